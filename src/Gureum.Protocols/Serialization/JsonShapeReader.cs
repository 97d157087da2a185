using System.Text.Json;
using Gureum.Core;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// Reads JSON bodies (AWS JSON 1.0/1.1 and rest-json) into value trees, driven by the shape:
/// keys are wire names (locationName), values become the value-tree scalar types. Any
/// malformed or mistyped input becomes a <c>SerializationException</c> (400).
/// </summary>
public static class JsonShapeReader
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 256 };

    /// <summary>Parses a body as the structure <paramref name="shape"/>; an empty body is an empty structure.</summary>
    /// <param name="bodyMembersOnly">Skip members bound elsewhere (REST headers, query, labels).</param>
    public static Dictionary<string, object?> ReadStructure(ReadOnlyMemory<byte> body, Shape shape, bool bodyMembersOnly = false)
    {
        if (IsBlank(body.Span))
        {
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }
        using var document = Parse(body);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw Error($"Expected a JSON object for {shape.Name} but found {Describe(document.RootElement.ValueKind)}.");
        }
        return Guard(() => ReadStructure(document.RootElement, shape, bodyMembersOnly));
    }

    /// <summary>JsonDocument validates UTF-8 inside strings lazily: turn that into a SerializationException.</summary>
    private static T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            throw Error("Request body contains invalid UTF-8.");
        }
    }

    /// <summary>Parses any JSON value as <paramref name="shape"/> (payload members, jsonvalue headers).</summary>
    public static object? ReadValue(ReadOnlyMemory<byte> body, Shape shape)
    {
        using var document = Parse(body);
        return Guard(() => ReadValue(document.RootElement, shape));
    }

    /// <summary>Parses a JSON document into a generic tree (Dictionary, List, string, double, bool, null).</summary>
    public static object? ReadDocument(ReadOnlyMemory<byte> body)
    {
        using var document = Parse(body);
        return Guard(() => ReadDocument(document.RootElement));
    }

    public static Dictionary<string, object?> ReadStructure(JsonElement element, Shape shape, bool bodyMembersOnly = false)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in shape.Members)
        {
            if (bodyMembersOnly && member.Location != MemberLocation.Body)
            {
                continue;
            }
            if (element.TryGetProperty(member.WireName, out var child) && child.ValueKind != JsonValueKind.Null)
            {
                result[member.Name] = ReadValue(child, member.Shape, member.Name);
            }
        }
        return result;
    }

    public static object? ReadValue(JsonElement element, Shape shape, string? name = null)
    {
        name ??= shape.Name;
        if (shape.Document)
        {
            return ReadDocument(element);
        }
        switch (shape.Type)
        {
            case ShapeType.Structure:
                Expect(element, JsonValueKind.Object, name);
                return ReadStructure(element, shape);
            case ShapeType.List:
            {
                Expect(element, JsonValueKind.Array, name);
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(item.ValueKind == JsonValueKind.Null ? null : ReadValue(item, shape.ListMember!.Shape, name));
                }
                return list;
            }
            case ShapeType.Map:
            {
                Expect(element, JsonValueKind.Object, name);
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = property.Value.ValueKind == JsonValueKind.Null
                        ? null
                        : ReadValue(property.Value, shape.MapValue!.Shape, name);
                }
                return map;
            }
            case ShapeType.String:
                Expect(element, JsonValueKind.String, name);
                return element.GetString()!;
            case ShapeType.Boolean:
                if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    return element.GetBoolean();
                }
                throw Mismatch(element, "boolean", name);
            case ShapeType.Integer:
            case ShapeType.Short:
            case ShapeType.Byte:
                if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var i) && ScalarText.InRange(shape.Type, i))
                {
                    return i;
                }
                throw Mismatch(element, "integer", name);
            case ShapeType.Long:
            case ShapeType.BigInteger:
                if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var l))
                {
                    return l;
                }
                throw Mismatch(element, "long", name);
            case ShapeType.Float:
            case ShapeType.Double:
            case ShapeType.BigDecimal:
            {
                var d = 0.0;
                var ok = element.ValueKind switch
                {
                    JsonValueKind.Number => element.TryGetDouble(out d) && double.IsFinite(d),
                    JsonValueKind.String => element.GetString() is "NaN" or "Infinity" or "-Infinity"
                        && ScalarText.TryParseDouble(element.GetString()!, out d),
                    _ => false,
                };
                if (!ok)
                {
                    throw Mismatch(element, "number", name);
                }
                return shape.Type == ShapeType.Float ? (float)d : d;
            }
            case ShapeType.Timestamp:
                if (element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var seconds)
                    && double.IsFinite(seconds) && Math.Abs(seconds) < 253402300799)
                {
                    return Timestamps.FromEpochSeconds(seconds);
                }
                if (element.ValueKind == JsonValueKind.String && Timestamps.TryParse(element.GetString()!, out var time))
                {
                    return time;
                }
                throw Mismatch(element, "timestamp", name);
            case ShapeType.Blob:
                Expect(element, JsonValueKind.String, name);
                try
                {
                    return Convert.FromBase64String(element.GetString()!);
                }
                catch (FormatException)
                {
                    throw Error($"Base64 encoded value for {name} is not valid.");
                }
            default:
                throw Error($"Unsupported shape {shape.Name}.");
        }
    }

    public static object? ReadDocument(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
            {
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = ReadDocument(property.Value);
                }
                return map;
            }
            case JsonValueKind.Array:
            {
                var list = new List<object?>(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    list.Add(ReadDocument(item));
                }
                return list;
            }
            case JsonValueKind.String:
                return element.GetString();
            case JsonValueKind.Number:
                return element.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw Error("Number out of range.");
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body, Options);
        }
        catch (JsonException e)
        {
            throw Error($"Could not parse request body into json: {Trim(e.Message)}");
        }
        catch (ArgumentException e)
        {
            throw Error($"Could not parse request body into json: {Trim(e.Message)}");
        }
    }

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" LineNumber", StringComparison.Ordinal);
        return cut > 0 ? message[..cut].TrimEnd() : message;
    }

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }
        return true;
    }

    private static void Expect(JsonElement element, JsonValueKind kind, string name)
    {
        if (element.ValueKind != kind)
        {
            throw Mismatch(element, Describe(kind), name);
        }
    }

    private static AwsServiceException Mismatch(JsonElement element, string expected, string name) =>
        Error($"Unexpected value for {name}: expected {expected} but found {Describe(element.ValueKind)}.");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static AwsServiceException Error(string message) => CommonErrors.Serialization(message);
}
