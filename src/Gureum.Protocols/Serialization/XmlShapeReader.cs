using System.Xml;
using System.Xml.Linq;
using Gureum.Core;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// Reads XML request bodies (rest-xml payloads such as S3's CreateBucketConfiguration, Delete,
/// Tagging) into value trees, driven by the shape. Matches element names by local name, so
/// namespaces and prefixes do not matter; understands wrapped and flattened lists and maps
/// and XML attributes. DTDs are refused. Every failure is the caller's error (e.g. MalformedXML).
/// </summary>
public static class XmlShapeReader
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        MaxCharactersFromEntities = 0,
    };

    /// <summary>Parses a document; throws the error from <paramref name="error"/> when it is not well-formed.</summary>
    public static XElement ParseDocument(ReadOnlyMemory<byte> body, Func<AwsServiceException> error)
    {
        try
        {
            using var stream = new MemoryStream(body.ToArray(), writable: false);
            using var reader = XmlReader.Create(stream, Settings);
            return XDocument.Load(reader).Root ?? throw error();
        }
        catch (XmlException)
        {
            throw error();
        }
        catch (InvalidOperationException)
        {
            throw error();
        }
    }

    /// <summary>Reads <paramref name="element"/> as a value of <paramref name="member"/>'s shape.</summary>
    public static object? ReadValue(XElement element, Member member, Func<AwsServiceException> error)
    {
        var shape = member.Shape;
        switch (shape.Type)
        {
            case ShapeType.Structure:
                return ReadStructure(element, shape, error);
            case ShapeType.List:
            {
                var list = new List<object?>();
                foreach (var item in element.Elements())
                {
                    list.Add(ReadValue(item, shape.ListMember!, error));
                }
                return list;
            }
            case ShapeType.Map:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var entry in element.Elements())
                {
                    ReadMapEntry(entry, shape, map, error);
                }
                return map;
            }
            default:
                try
                {
                    return ScalarText.Parse(member, element.Value, _ => error());
                }
                catch (AwsServiceException)
                {
                    throw;
                }
            }
    }

    public static Dictionary<string, object?> ReadStructure(XElement element, Shape shape, Func<AwsServiceException> error)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in shape.Members)
        {
            if (member.Location != MemberLocation.Body)
            {
                continue;
            }
            if (member.XmlAttribute)
            {
                var wire = member.WireName;
                var local = wire[(wire.IndexOf(':', StringComparison.Ordinal) + 1)..];
                var attribute = element.Attributes().FirstOrDefault(a => a.Name.LocalName == local);
                if (attribute is not null)
                {
                    result[member.Name] = ScalarText.Parse(member, attribute.Value, _ => error());
                }
                continue;
            }
            var name = member.WireName;
            if (member.IsFlattened && member.Shape.Type == ShapeType.List)
            {
                var itemName = member.Shape.ListMember!.LocationName;
                var list = new List<object?>();
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName == name || child.Name.LocalName == itemName)
                    {
                        list.Add(ReadValue(child, member.Shape.ListMember!, error));
                    }
                }
                if (list.Count > 0)
                {
                    result[member.Name] = list;
                }
                continue;
            }
            if (member.IsFlattened && member.Shape.Type == ShapeType.Map)
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var child in element.Elements())
                {
                    if (child.Name.LocalName == name)
                    {
                        ReadMapEntry(child, member.Shape, map, error);
                    }
                }
                if (map.Count > 0)
                {
                    result[member.Name] = map;
                }
                continue;
            }
            var match = element.Elements().FirstOrDefault(e => e.Name.LocalName == name);
            if (match is not null)
            {
                result[member.Name] = ReadValue(match, member, error);
            }
        }
        return result;
    }

    private static void ReadMapEntry(XElement entry, Shape map, Dictionary<string, object?> result, Func<AwsServiceException> error)
    {
        var keyName = map.MapKey!.LocationName ?? "key";
        var valueName = map.MapValue!.LocationName ?? "value";
        var key = entry.Elements().FirstOrDefault(e => e.Name.LocalName == keyName) ?? throw error();
        var value = entry.Elements().FirstOrDefault(e => e.Name.LocalName == valueName);
        result[key.Value] = value is null ? null : ReadValue(value, map.MapValue, error);
    }
}
