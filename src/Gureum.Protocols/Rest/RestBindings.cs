using System.Runtime.InteropServices;
using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Rest;

/// <summary>
/// The HTTP bindings rest-json and rest-xml share: URI labels, query string, headers, prefix
/// headers, status code, and the raw (blob/string) payload. The body format is the caller's.
/// </summary>
public static class RestBindings
{
    /// <summary>Reads every member bound outside the body into <paramref name="result"/>.</summary>
    public static void ReadBindings(Shape input, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels,
        Dictionary<string, object?> result, Func<string, AwsServiceException> error)
    {
        HashSet<string>? namedQueryKeys = null;
        foreach (var member in input.Members)
        {
            switch (member.Location)
            {
                case MemberLocation.Uri:
                    if (uriLabels is not null && uriLabels.TryGetValue(member.WireName, out var label))
                    {
                        result[member.Name] = ScalarText.Parse(member, label, error);
                    }
                    break;
                case MemberLocation.QueryString:
                    if (member.Shape.Type == ShapeType.Map)
                    {
                        break; // after the named keys are known
                    }
                    (namedQueryKeys ??= new HashSet<string>(StringComparer.Ordinal)).Add(member.WireName);
                    if (member.Shape.Type == ShapeType.List)
                    {
                        var values = request.Query.Where(q => q.Key == member.WireName)
                            .Select(q => (object?)ScalarText.Parse(member.Shape.ListMember!, q.Value, error)).ToList();
                        if (values.Count > 0)
                        {
                            result[member.Name] = values;
                        }
                    }
                    else if (request.HasQuery(member.WireName))
                    {
                        result[member.Name] = ScalarText.Parse(member, request.QueryValue(member.WireName)!, error);
                    }
                    break;
                case MemberLocation.Header:
                    var header = request.Headers[member.WireName];
                    if (header is not null)
                    {
                        var value = ReadHeader(member, header, error);
                        if (value is not null)
                        {
                            result[member.Name] = value;
                        }
                    }
                    break;
                case MemberLocation.Headers:
                {
                    var prefix = member.LocationName ?? "";
                    var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                    foreach (var (name, value) in request.Headers)
                    {
                        if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                        {
                            var key = name[prefix.Length..];
                            map[key] = map.TryGetValue(key, out var existing) ? existing + "," + value : value;
                        }
                    }
                    if (map.Count > 0)
                    {
                        result[member.Name] = map;
                    }
                    break;
                }
            }
        }
        foreach (var member in input.Members)
        {
            if (member.Location != MemberLocation.QueryString || member.Shape.Type != ShapeType.Map)
            {
                continue;
            }
            // A map bound to the query string takes every parameter no other member names.
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            var valueShape = member.Shape.MapValue!.Shape;
            foreach (var (key, value) in request.Query)
            {
                if (namedQueryKeys?.Contains(key) == true)
                {
                    continue;
                }
                if (valueShape.Type == ShapeType.List)
                {
                    if (!map.TryGetValue(key, out var list) || list is not List<object?>)
                    {
                        map[key] = list = new List<object?>();
                    }
                    ((List<object?>)list!).Add(value);
                }
                else
                {
                    map.TryAdd(key, value);
                }
            }
            if (map.Count > 0)
            {
                result[member.Name] = map;
            }
        }
    }

    private static object? ReadHeader(Member member, string header, Func<string, AwsServiceException> error)
    {
        var shape = member.Shape;
        if (member.JsonValue || (shape.Type == ShapeType.String && shape.Document))
        {
            byte[] json;
            try
            {
                json = Convert.FromBase64String(header.Trim());
            }
            catch (FormatException)
            {
                throw error($"Header {member.WireName} is not valid base64.");
            }
            try
            {
                return JsonShapeReader.ReadDocument(json);
            }
            catch (AwsServiceException)
            {
                throw error($"Header {member.WireName} does not hold valid JSON.");
            }
        }
        if (shape.Type == ShapeType.List)
        {
            var itemMember = shape.ListMember!;
            var parts = ScalarText.SplitHeaderList(header);
            if (itemMember.Shape.Type == ShapeType.Timestamp
                && (itemMember.TimestampFormat ?? itemMember.Shape.TimestampFormat ?? Timestamps.Rfc822) == Timestamps.Rfc822)
            {
                // "Mon, 01 Jan 2024 ..." contains a comma of its own: rejoin pairs.
                var joined = new List<string>();
                for (var i = 0; i + 1 < parts.Count; i += 2)
                {
                    joined.Add(parts[i] + ", " + parts[i + 1]);
                }
                parts = joined;
            }
            return parts.Select(p => (object?)ScalarText.Parse(itemMember, p, error)).ToList();
        }
        if (shape.Type is ShapeType.Structure or ShapeType.Map)
        {
            return null;
        }
        return ScalarText.Parse(member, header, error);
    }

    /// <summary>
    /// Reads a blob or string payload member: streaming blobs stay streams, other blobs are
    /// bytes, strings are UTF-8 text. An empty non-streaming body leaves the member absent.
    /// </summary>
    public static void ReadRawPayload(Member payload, WireRequest request, Dictionary<string, object?> result, Func<string, AwsServiceException> error)
    {
        if (payload.Streaming)
        {
            result[payload.Name] = request.BodyStream ?? AsStream(request.Body);
            return;
        }
        var body = request.BodyStream is { } stream ? ReadAll(stream) : request.Body;
        if (body.IsEmpty)
        {
            return;
        }
        if (payload.Shape.Type == ShapeType.String)
        {
            try
            {
                result[payload.Name] = new UTF8Encoding(false, true).GetString(body.Span);
            }
            catch (DecoderFallbackException)
            {
                throw error("The request body is not valid UTF-8.");
            }
        }
        else
        {
            result[payload.Name] = body.ToArray();
        }
    }

    /// <summary>Buffered body bytes, reading a stream when the server passed one.</summary>
    public static ReadOnlyMemory<byte> BodyBytes(WireRequest request) =>
        request.BodyStream is { } stream ? ReadAll(stream) : request.Body;

    private static MemoryStream AsStream(ReadOnlyMemory<byte> body) =>
        MemoryMarshal.TryGetArray(body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);

    private static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Writes the members bound to headers and the status code; returns the status
    /// (the statusCode member, else the operation's responseCode, else 200).
    /// </summary>
    public static int WriteBindings(OperationModel operation, Shape? shape, Dictionary<string, object?>? value, WireResponse response)
    {
        var status = operation.ResponseCode ?? 200;
        if (shape is null || value is null)
        {
            return status;
        }
        foreach (var member in shape.Members)
        {
            if (!value.TryGetValue(member.Name, out var item) || item is null)
            {
                continue;
            }
            switch (member.Location)
            {
                case MemberLocation.StatusCode:
                    status = Convert.ToInt32(item, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case MemberLocation.Header:
                    var text = FormatHeader(member, item);
                    if (text is null)
                    {
                        break;
                    }
                    if (string.Equals(member.WireName, "Content-Type", StringComparison.OrdinalIgnoreCase))
                    {
                        response.ContentType = text;
                    }
                    else if (string.Equals(member.WireName, "Content-Length", StringComparison.OrdinalIgnoreCase)
                        && long.TryParse(text, out var length))
                    {
                        response.ContentLength = length;
                    }
                    else
                    {
                        response.AddHeader(member.WireName, text);
                    }
                    break;
                case MemberLocation.Headers when item is Dictionary<string, object?> map:
                    foreach (var (key, headerValue) in map)
                    {
                        if (headerValue is not null)
                        {
                            response.AddHeader((member.LocationName ?? "") + key, ScalarText.Format(member.Shape.MapValue!, headerValue, Timestamps.Rfc822));
                        }
                    }
                    break;
            }
        }
        return status;
    }

    private static string? FormatHeader(Member member, object value)
    {
        if (member.JsonValue)
        {
            return Convert.ToBase64String(JsonShapeWriter.SerializeDocument(value));
        }
        if (value is List<object?> list)
        {
            var item = member.Shape.ListMember ?? member;
            var texts = list.Where(v => v is not null).Select(v => ScalarText.Format(item, v!, Timestamps.Rfc822)).ToList();
            if (texts.Count == 0)
            {
                return null;
            }
            return item.Shape.Type == ShapeType.String ? ScalarText.JoinHeaderList(texts) : string.Join(",", texts);
        }
        return value is Dictionary<string, object?> ? null : ScalarText.Format(member, value, Timestamps.Rfc822);
    }

    /// <summary>Sets a blob/string payload (bytes, text or stream) as the response body.</summary>
    public static void WriteRawPayload(Member payload, object? value, WireResponse response)
    {
        switch (value)
        {
            case null:
                break;
            case Stream stream:
                response.BodyStream = stream;
                if (response.ContentLength is null && stream.CanSeek)
                {
                    response.ContentLength = stream.Length - stream.Position;
                }
                break;
            case byte[] bytes:
                response.Body = bytes;
                break;
            case ReadOnlyMemory<byte> memory:
                response.Body = memory;
                break;
            case string text:
                response.Body = Encoding.UTF8.GetBytes(text);
                break;
            default:
                response.Body = Encoding.UTF8.GetBytes(ScalarText.Format(payload, value, Timestamps.Iso8601));
                break;
        }
    }

    /// <summary>True when the structure has members serialized into the body (not bound elsewhere).</summary>
    public static bool HasBodyMembers(Shape shape) => shape.Members.Any(m => m.Location == MemberLocation.Body);
}
