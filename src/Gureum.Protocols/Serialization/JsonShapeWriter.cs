using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// Writes value trees as JSON (AWS JSON 1.0/1.1 and rest-json bodies): wire names from
/// locationName, blobs base64, timestamps epoch seconds unless the model says otherwise,
/// non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
/// </summary>
public static class JsonShapeWriter
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        // AWS does not escape '<', '&', or non-ASCII text the way the default encoder would.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
        MaxDepth = 1000,
    };

    /// <summary>Serializes a structure to UTF-8 JSON bytes.</summary>
    public static byte[] Serialize(Shape shape, Dictionary<string, object?>? value, bool bodyMembersOnly = false)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteStructure(writer, shape, value ?? [], bodyMembersOnly);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes any value of <paramref name="shape"/> (payload members).</summary>
    public static byte[] SerializeValue(Shape shape, object value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteValue(writer, shape, null, value);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Serializes a generic document tree.</summary>
    public static byte[] SerializeDocument(object? value)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteDocument(writer, value);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteStructure(Utf8JsonWriter writer, Shape shape, Dictionary<string, object?> value, bool bodyMembersOnly = false)
    {
        writer.WriteStartObject();
        WriteMembers(writer, shape, value, bodyMembersOnly);
        writer.WriteEndObject();
    }

    /// <summary>Writes the present members of <paramref name="value"/> as properties of the open object.</summary>
    public static void WriteMembers(Utf8JsonWriter writer, Shape shape, Dictionary<string, object?> value, bool bodyMembersOnly = false)
    {
        foreach (var member in shape.Members)
        {
            if (bodyMembersOnly && member.Location != MemberLocation.Body)
            {
                continue;
            }
            if (value.TryGetValue(member.Name, out var child) && child is not null)
            {
                writer.WritePropertyName(member.WireName);
                WriteValue(writer, member.Shape, member, child);
            }
        }
    }

    public static void WriteValue(Utf8JsonWriter writer, Shape shape, Member? member, object value)
    {
        if (shape.Document)
        {
            WriteDocument(writer, value);
            return;
        }
        switch (shape.Type)
        {
            case ShapeType.Structure when value is Dictionary<string, object?> structure:
                WriteStructure(writer, shape, structure);
                return;
            case ShapeType.List when value is List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    if (item is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        WriteValue(writer, shape.ListMember!.Shape, shape.ListMember, item);
                    }
                }
                writer.WriteEndArray();
                return;
            case ShapeType.Map when value is Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    if (item is null)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        WriteValue(writer, shape.MapValue!.Shape, shape.MapValue, item);
                    }
                }
                writer.WriteEndObject();
                return;
            case ShapeType.Timestamp when value is DateTimeOffset time:
                var format = member?.TimestampFormat ?? shape.TimestampFormat ?? Timestamps.UnixTimestamp;
                if (format == Timestamps.UnixTimestamp)
                {
                    WriteEpoch(writer, time);
                }
                else
                {
                    writer.WriteStringValue(Timestamps.Format(time, format));
                }
                return;
            default:
                WriteScalar(writer, value);
                return;
        }
    }

    public static void WriteEpoch(Utf8JsonWriter writer, DateTimeOffset time)
    {
        var ms = time.ToUnixTimeMilliseconds();
        if (ms % 1000 == 0)
        {
            writer.WriteNumberValue(ms / 1000);
        }
        else
        {
            writer.WriteNumberValue(ms / 1000m);
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case float f when !float.IsFinite(f):
                writer.WriteStringValue(XmlShapeWriter.FormatDouble(f));
                break;
            case float f:
                writer.WriteNumberValue(f);
                break;
            case double d when !double.IsFinite(d):
                writer.WriteStringValue(XmlShapeWriter.FormatDouble(d));
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            case DateTimeOffset t:
                WriteEpoch(writer, t);
                break;
            case short s16:
                writer.WriteNumberValue(s16);
                break;
            case sbyte s8:
                writer.WriteNumberValue(s8);
                break;
            case byte u8:
                writer.WriteNumberValue(u8);
                break;
            default:
                WriteDocument(writer, value);
                break;
        }
    }

    /// <summary>Writes a generic tree (documents, or error fields without a model shape).</summary>
    public static void WriteDocument(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case Dictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteDocument(writer, item);
                }
                writer.WriteEndObject();
                break;
            case List<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteDocument(writer, item);
                }
                writer.WriteEndArray();
                break;
            case string or bool or int or long or float or double or decimal or byte[] or DateTimeOffset or short or sbyte or byte:
                WriteScalar(writer, value);
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}
