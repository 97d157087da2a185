using System.Globalization;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// Writes value trees as XML the way the query, ec2 and rest-xml protocols do: element names
/// from locationName, wrapped or flattened lists and maps, XML attributes, ISO timestamps.
/// </summary>
public static class XmlShapeWriter
{
    /// <summary>Writes the members of <paramref name="value"/> as children of the current element.</summary>
    public static void WriteMembers(XmlOutput writer, Shape shape, Dictionary<string, object?> value, bool ec2 = false)
    {
        // Attributes must come before any child element.
        foreach (var member in shape.Members)
        {
            if (member.XmlAttribute && value.TryGetValue(member.Name, out var attribute) && attribute is not null)
            {
                var name = member.WireName;
                var colon = name.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0)
                {
                    writer.WriteAttributeString(name[..colon], name[(colon + 1)..], Scalar(member, attribute));
                }
                else
                {
                    writer.WriteAttributeString(name, Scalar(member, attribute));
                }
            }
        }
        foreach (var member in shape.Members)
        {
            if (member.XmlAttribute || member.Location != MemberLocation.Body
                || !value.TryGetValue(member.Name, out var child) || child is null)
            {
                continue;
            }
            WriteMember(writer, member, ElementName(member, ec2), child, ec2);
        }
    }

    /// <summary>The element name botocore expects for a structure member.</summary>
    public static string ElementName(Member member, bool ec2 = false)
    {
        if (member.XmlName is { } xmlName)
        {
            return xmlName;
        }
        if (member.Shape.Type == ShapeType.List && member.IsFlattened && member.Shape.ListMember!.LocationName is { } itemName)
        {
            return itemName;
        }
        if (ec2 && member.LocationName is null && member.QueryName is null)
        {
            // EC2 responses use lowerCamel element names when the model gives none.
            return char.ToLowerInvariant(member.Name[0]) + member.Name[1..];
        }
        return member.LocationName ?? member.Name;
    }

    public static void WriteMember(XmlOutput writer, Member member, string elementName, object value, bool ec2 = false)
    {
        var shape = member.Shape;
        switch (shape.Type)
        {
            case ShapeType.Structure:
                writer.WriteStartElement(elementName);
                if (member.XmlNamespaceUri is { } uri)
                {
                    if (member.XmlNamespacePrefix is { } prefix)
                    {
                        writer.WriteAttributeString("xmlns", prefix, uri);
                    }
                    else
                    {
                        writer.WriteAttributeString("xmlns", uri);
                    }
                }
                if (value is Dictionary<string, object?> structure)
                {
                    WriteMembers(writer, shape, structure, ec2);
                }
                writer.WriteEndElement();
                break;
            case ShapeType.List when value is List<object?> list:
                WriteList(writer, member, elementName, list, ec2);
                break;
            case ShapeType.Map when value is Dictionary<string, object?> map:
                WriteMap(writer, member, elementName, map, ec2);
                break;
            default:
                writer.WriteElementString(elementName, Scalar(member, value));
                break;
        }
    }

    private static void WriteList(XmlOutput writer, Member member, string elementName, List<object?> list, bool ec2)
    {
        var item = member.Shape.ListMember!;
        if (member.IsFlattened)
        {
            foreach (var element in list)
            {
                if (element is not null)
                {
                    WriteMember(writer, item, elementName, element, ec2);
                }
            }
            return;
        }
        writer.WriteStartElement(elementName);
        var itemName = item.LocationName ?? (ec2 ? "item" : "member");
        foreach (var element in list)
        {
            if (element is not null)
            {
                WriteMember(writer, item, itemName, element, ec2);
            }
        }
        writer.WriteEndElement();
    }

    private static void WriteMap(XmlOutput writer, Member member, string elementName, Dictionary<string, object?> map, bool ec2)
    {
        var shape = member.Shape;
        var keyName = shape.MapKey!.LocationName ?? "key";
        var valueName = shape.MapValue!.LocationName ?? "value";
        if (!member.IsFlattened)
        {
            writer.WriteStartElement(elementName);
        }
        foreach (var (key, element) in map)
        {
            writer.WriteStartElement(member.IsFlattened ? elementName : "entry");
            writer.WriteElementString(keyName, key);
            if (element is not null)
            {
                WriteMember(writer, shape.MapValue, valueName, element, ec2);
            }
            writer.WriteEndElement();
        }
        if (!member.IsFlattened)
        {
            writer.WriteEndElement();
        }
    }

    /// <summary>Text form of a scalar member in XML bodies.</summary>
    public static string Scalar(Member member, object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset t => Timestamps.Format(t, member.TimestampFormat ?? member.Shape.TimestampFormat ?? Timestamps.Iso8601),
        byte[] bytes => Convert.ToBase64String(bytes),
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string FormatDouble(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "Infinity"
        : double.IsNegativeInfinity(value) ? "-Infinity"
        : value.ToString("R", CultureInfo.InvariantCulture);
}
