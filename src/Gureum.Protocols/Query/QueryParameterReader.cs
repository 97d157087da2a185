using System.Globalization;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;

namespace Gureum.Protocols.Query;

/// <summary>
/// Reads flat query/form parameters (<c>Tags.member.1.Key=...</c>) into a value tree by walking
/// the input shape, as the query protocol and its EC2 variant lay them out.
/// </summary>
internal sealed class QueryParameterReader
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _prefixes = new(StringComparer.Ordinal);
    private readonly bool _ec2;

    public QueryParameterReader(IEnumerable<KeyValuePair<string, string>> parameters, bool ec2)
    {
        _ec2 = ec2;
        foreach (var (key, value) in parameters)
        {
            _values.TryAdd(key, value);
            for (var dot = key.IndexOf('.', StringComparison.Ordinal); dot > 0; dot = key.IndexOf('.', dot + 1))
            {
                _prefixes.Add(key[..dot]);
            }
        }
    }

    public Dictionary<string, object?> ReadStructure(Shape shape, string prefix)
    {
        var result = ValueTree.NewStruct();
        foreach (var member in shape.Members)
        {
            var key = Join(prefix, SerializedName(member, member.Name));
            var value = ReadMember(member, key, prefix);
            if (value is not null)
            {
                result[member.Name] = value;
            }
        }
        return result;
    }

    private object? ReadMember(Member member, string key, string parentPrefix)
    {
        var shape = member.Shape;
        switch (shape.Type)
        {
            case ShapeType.Structure:
                return _prefixes.Contains(key) ? ReadStructure(shape, key) : null;
            case ShapeType.List:
                return ReadList(member, key, parentPrefix);
            case ShapeType.Map:
                return ReadMap(member, key);
            default:
                return _values.TryGetValue(key, out var text) ? Scalar(member, key, text) : null;
        }
    }

    private List<object?>? ReadList(Member member, string key, string parentPrefix)
    {
        var item = member.Shape.ListMember!;
        string itemPrefix;
        if (_ec2)
        {
            itemPrefix = key;
        }
        else if (member.IsFlattened)
        {
            itemPrefix = item.LocationName is { } name ? Join(parentPrefix, name) : key;
        }
        else
        {
            itemPrefix = key + "." + (item.LocationName ?? "member");
        }
        if (!_prefixes.Contains(itemPrefix))
        {
            // botocore sends "Key=" for an empty list.
            return _values.TryGetValue(key, out var empty) && empty.Length == 0 ? [] : null;
        }
        var list = new List<object?>();
        for (var i = 1; ; i++)
        {
            var elementKey = itemPrefix + "." + i.ToString(CultureInfo.InvariantCulture);
            var value = ReadMember(item, elementKey, itemPrefix);
            if (value is null)
            {
                break;
            }
            list.Add(value);
        }
        return list;
    }

    private Dictionary<string, object?>? ReadMap(Member member, string key)
    {
        var shape = member.Shape;
        var entryPrefix = member.IsFlattened ? key : key + ".entry";
        if (!_prefixes.Contains(entryPrefix))
        {
            return null;
        }
        var keyName = shape.MapKey!.LocationName ?? "key";
        var valueName = shape.MapValue!.LocationName ?? "value";
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 1; ; i++)
        {
            var entry = entryPrefix + "." + i.ToString(CultureInfo.InvariantCulture);
            if (!_values.TryGetValue(entry + "." + keyName, out var mapKey))
            {
                break;
            }
            map[mapKey] = ReadMember(shape.MapValue, entry + "." + valueName, entry);
        }
        return map;
    }

    private string SerializedName(Member member, string fallback)
    {
        if (_ec2)
        {
            if (member.QueryName is { } queryName)
            {
                return queryName;
            }
            if (member.LocationName is { Length: > 0 } name)
            {
                return char.ToUpperInvariant(name[0]) + name[1..];
            }
            return fallback;
        }
        return member.XmlName ?? member.LocationName ?? fallback;
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    private static object Scalar(Member member, string key, string text)
    {
        var shape = member.Shape;
        switch (shape.Type)
        {
            case ShapeType.String:
                return text;
            case ShapeType.Boolean:
                if (bool.TryParse(text, out var flag))
                {
                    return flag;
                }
                break;
            case ShapeType.Integer or ShapeType.Short or ShapeType.Byte:
                if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                {
                    return i;
                }
                break;
            case ShapeType.Long or ShapeType.BigInteger:
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    return l;
                }
                break;
            case ShapeType.Float:
                if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f))
                {
                    return f;
                }
                break;
            case ShapeType.Double or ShapeType.BigDecimal:
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    return d;
                }
                break;
            case ShapeType.Timestamp:
                if (Timestamps.TryParse(text, out var time))
                {
                    return time;
                }
                break;
            case ShapeType.Blob:
                try
                {
                    return Convert.FromBase64String(text);
                }
                catch (FormatException)
                {
                }
                break;
            default:
                return text;
        }
        throw new ParameterFormatException(key, text, shape.Type);
    }
}

/// <summary>A parameter whose text is not of its shape's type; the protocol maps it to the service's validation error.</summary>
public sealed class ParameterFormatException : Exception
{
    public ParameterFormatException(string key, string text, ShapeType type)
        : base($"Value '{text}' for parameter {key} is invalid: it must be of type {type.ToString().ToLowerInvariant()}.")
    {
        Key = key;
    }

    public string Key { get; }
}
