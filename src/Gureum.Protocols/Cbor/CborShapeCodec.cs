using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;

namespace Gureum.Protocols.Cbor;

/// <summary>
/// Converts between decoded CBOR and value trees by shape, per Smithy RPC v2 CBOR: structure
/// keys are member names, timestamps are tag 1 epoch seconds, blobs are byte strings, null
/// and undefined mean absent.
/// </summary>
public static class CborShapeCodec
{
    /// <summary>Decodes a request body as the structure <paramref name="shape"/>; an empty body is an empty structure.</summary>
    public static Dictionary<string, object?> ReadStructure(ReadOnlyMemory<byte> body, Shape shape)
    {
        if (body.IsEmpty)
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }
        object? decoded;
        try
        {
            decoded = CborReader.Decode(body);
        }
        catch (CborFormatException e)
        {
            throw CommonErrors.Serialization($"Could not parse the CBOR request body: {e.Message}");
        }
        return decoded is Dictionary<string, object?> map
            ? ReadStructure(map, shape)
            : throw Mismatch(shape.Name, "map", decoded);
    }

    public static Dictionary<string, object?> ReadStructure(Dictionary<string, object?> map, Shape shape)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in shape.Members)
        {
            if ((map.TryGetValue(member.Name, out var value) || (member.LocationName is { } wire && map.TryGetValue(wire, out value)))
                && value is not null and not CborUndefined)
            {
                result[member.Name] = ReadValue(value, member.Shape, member.Name);
            }
        }
        return result;
    }

    public static object? ReadValue(object value, Shape shape, string name)
    {
        if (shape.Document)
        {
            return ToDocument(value);
        }
        switch (shape.Type)
        {
            case ShapeType.Structure:
                return value is Dictionary<string, object?> structure ? ReadStructure(structure, shape) : throw Mismatch(name, "map", value);
            case ShapeType.List:
            {
                if (value is not List<object?> items)
                {
                    throw Mismatch(name, "array", value);
                }
                var list = new List<object?>(items.Count);
                foreach (var item in items)
                {
                    list.Add(item is null or CborUndefined ? null : ReadValue(item, shape.ListMember!.Shape, name));
                }
                return list;
            }
            case ShapeType.Map:
            {
                if (value is not Dictionary<string, object?> entries)
                {
                    throw Mismatch(name, "map", value);
                }
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, item) in entries)
                {
                    map[key] = item is null or CborUndefined ? null : ReadValue(item, shape.MapValue!.Shape, name);
                }
                return map;
            }
            case ShapeType.String:
                return value as string ?? throw Mismatch(name, "text string", value);
            case ShapeType.Boolean:
                return value is bool b ? b : throw Mismatch(name, "boolean", value);
            case ShapeType.Integer:
            case ShapeType.Short:
            case ShapeType.Byte:
                return value is long i && ScalarText.InRange(shape.Type, i) && i is >= int.MinValue and <= int.MaxValue
                    ? (int)i
                    : throw Mismatch(name, "integer", value);
            case ShapeType.Long:
            case ShapeType.BigInteger:
                return value is long l ? l : throw Mismatch(name, "integer", value);
            case ShapeType.Float:
            case ShapeType.Double:
            case ShapeType.BigDecimal:
            {
                var d = value switch
                {
                    double x => x,
                    long x => x,
                    _ => throw Mismatch(name, "number", value),
                };
                return shape.Type == ShapeType.Float ? (float)d : d;
            }
            case ShapeType.Timestamp:
            {
                var seconds = value switch
                {
                    CborTag { Tag: 1, Value: double x } => x,
                    CborTag { Tag: 1, Value: long x } => x,
                    double x => x,
                    long x => x,
                    _ => throw Mismatch(name, "timestamp (tag 1)", value),
                };
                return double.IsFinite(seconds) && Math.Abs(seconds) < 253402300799
                    ? Timestamps.FromEpochSeconds(seconds)
                    : throw Mismatch(name, "timestamp", value);
            }
            case ShapeType.Blob:
                return value as byte[] ?? throw Mismatch(name, "byte string", value);
            default:
                throw CommonErrors.Serialization($"Unsupported shape {shape.Name}.");
        }
    }

    private static object? ToDocument(object? value) => value switch
    {
        Dictionary<string, object?> map => map.ToDictionary(e => e.Key, e => ToDocument(e.Value), StringComparer.Ordinal),
        List<object?> list => list.Select(ToDocument).ToList(),
        long l => (double)l,
        ulong u => (double)u,
        CborTag tag => ToDocument(tag.Value),
        CborUndefined => null,
        byte[] bytes => Convert.ToBase64String(bytes),
        _ => value,
    };

    private static AwsServiceException Mismatch(string name, string expected, object? found) =>
        CommonErrors.Serialization($"Unexpected value for {name}: expected {expected} but found {Describe(found)}.");

    private static string Describe(object? value) => value switch
    {
        null => "null",
        Dictionary<string, object?> => "map",
        List<object?> => "array",
        string => "text string",
        byte[] => "byte string",
        bool => "boolean",
        long or ulong => "integer",
        double => "float",
        CborTag t => $"tag {t.Tag}",
        _ => "undefined",
    };

    /// <summary>Encodes a structure by shape (member names as keys, absent members left out).</summary>
    public static byte[] Serialize(Shape shape, Dictionary<string, object?>? value)
    {
        var writer = new CborWriter();
        WriteStructure(writer, shape, value ?? []);
        return writer.ToArray();
    }

    public static void WriteStructure(CborWriter writer, Shape shape, Dictionary<string, object?> value)
    {
        var present = shape.Members.Where(m => value.TryGetValue(m.Name, out var v) && v is not null).ToList();
        writer.WriteStartMap(present.Count);
        foreach (var member in present)
        {
            writer.WriteTextString(member.Name);
            WriteValue(writer, member.Shape, value[member.Name]!);
        }
    }

    public static void WriteValue(CborWriter writer, Shape shape, object value)
    {
        if (shape.Document)
        {
            WriteGeneric(writer, value);
            return;
        }
        switch (shape.Type)
        {
            case ShapeType.Structure when value is Dictionary<string, object?> structure:
                WriteStructure(writer, shape, structure);
                return;
            case ShapeType.List when value is List<object?> list:
                writer.WriteStartArray(list.Count);
                foreach (var item in list)
                {
                    if (item is null)
                    {
                        writer.WriteNull();
                    }
                    else
                    {
                        WriteValue(writer, shape.ListMember!.Shape, item);
                    }
                }
                return;
            case ShapeType.Map when value is Dictionary<string, object?> map:
                writer.WriteStartMap(map.Count);
                foreach (var (key, item) in map)
                {
                    writer.WriteTextString(key);
                    if (item is null)
                    {
                        writer.WriteNull();
                    }
                    else
                    {
                        WriteValue(writer, shape.MapValue!.Shape, item);
                    }
                }
                return;
            case ShapeType.Float when value is float f:
                writer.WriteSingle(f);
                return;
            case ShapeType.Float or ShapeType.Double or ShapeType.BigDecimal when value is double or float or int or long:
                writer.WriteDouble(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
                return;
            default:
                WriteGeneric(writer, value);
                return;
        }
    }

    /// <summary>Encodes a generic tree or scalar by its runtime type.</summary>
    public static void WriteGeneric(CborWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNull();
                break;
            case string s:
                writer.WriteTextString(s);
                break;
            case bool b:
                writer.WriteBoolean(b);
                break;
            case int i:
                writer.WriteInt64(i);
                break;
            case long l:
                writer.WriteInt64(l);
                break;
            case short s16:
                writer.WriteInt64(s16);
                break;
            case sbyte s8:
                writer.WriteInt64(s8);
                break;
            case float f:
                writer.WriteSingle(f);
                break;
            case double d:
                writer.WriteDouble(d);
                break;
            case byte[] bytes:
                writer.WriteByteString(bytes);
                break;
            case DateTimeOffset t:
                writer.WriteTag(1);
                writer.WriteDouble(Timestamps.ToEpochSeconds(t));
                break;
            case Dictionary<string, object?> map:
                writer.WriteStartMap(map.Count);
                foreach (var (key, item) in map)
                {
                    writer.WriteTextString(key);
                    WriteGeneric(writer, item);
                }
                break;
            case List<object?> list:
                writer.WriteStartArray(list.Count);
                foreach (var item in list)
                {
                    WriteGeneric(writer, item);
                }
                break;
            default:
                writer.WriteTextString(value.ToString() ?? "");
                break;
        }
    }
}
