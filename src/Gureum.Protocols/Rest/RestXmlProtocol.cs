using System.Security.Cryptography;
using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Rest;

/// <summary>
/// rest-xml (S3): the REST bindings of <see cref="RestBindings"/> with XML payloads, and S3's
/// error document (<c>&lt;Error&gt;&lt;Code/&gt;&lt;Message/&gt;...&lt;RequestId/&gt;&lt;HostId/&gt;&lt;/Error&gt;</c>).
/// </summary>
public sealed class RestXmlProtocol : IProtocol
{
    public const string MalformedXmlMessage = "The XML you provided was not well-formed or did not validate against our published schema";

    public string Name => "rest-xml";

    public static AwsServiceException MalformedXml() => new("MalformedXML", MalformedXmlMessage, 400);

    public Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var input = operation.Input;
        if (input is null)
        {
            return result;
        }
        RestBindings.ReadBindings(input, request, uriLabels, result, InvalidArgument);
        if (input.Payload is { } payloadName && input.MembersByName.TryGetValue(payloadName, out var payload))
        {
            if (payload.Shape.Type is ShapeType.Blob or ShapeType.String)
            {
                RestBindings.ReadRawPayload(payload, request, result, InvalidArgument);
            }
            else
            {
                var body = RestBindings.BodyBytes(request);
                if (!body.Span.Trim(" \t\r\n"u8).IsEmpty)
                {
                    var root = XmlShapeReader.ParseDocument(body, MalformedXml);
                    result[payload.Name] = XmlShapeReader.ReadValue(root, payload, MalformedXml);
                }
            }
        }
        else if (RestBindings.HasBodyMembers(input))
        {
            var body = RestBindings.BodyBytes(request);
            if (!body.Span.Trim(" \t\r\n"u8).IsEmpty)
            {
                var root = XmlShapeReader.ParseDocument(body, MalformedXml);
                foreach (var (key, value) in XmlShapeReader.ReadStructure(root, input, MalformedXml))
                {
                    result[key] = value;
                }
            }
        }
        return result;
    }

    public WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info)
    {
        var response = new WireResponse();
        AddRequestIds(operation.Service, response, info);
        var shape = operation.Output;
        response.Status = RestBindings.WriteBindings(operation, shape, output, response);
        if (shape is null)
        {
            return response;
        }
        output ??= [];
        var ns = shape.XmlNamespace ?? operation.Service.XmlNamespace ?? DefaultNamespace(operation.Service);
        if (shape.Payload is { } payloadName && shape.MembersByName.TryGetValue(payloadName, out var payload))
        {
            output.TryGetValue(payload.Name, out var value);
            if (payload.Shape.Type is ShapeType.Blob or ShapeType.String)
            {
                RestBindings.WriteRawPayload(payload, value, response);
            }
            else if (value is Dictionary<string, object?> structure)
            {
                var root = payload.LocationName ?? payload.Shape.LocationName ?? payload.Shape.Name;
                response.ContentType ??= "application/xml";
                response.Body = WriteDocument(root, payload.XmlNamespaceUri ?? payload.Shape.XmlNamespace ?? ns,
                    w => XmlShapeWriter.WriteMembers(w, payload.Shape, structure));
            }
        }
        else if (XmlRootNames.IsTextRoot(operation.Service, shape))
        {
            var member = shape.Members.First(m => m.Location == MemberLocation.Body);
            output.TryGetValue(member.Name, out var text);
            response.ContentType ??= "application/xml";
            response.Body = WriteDocument(XmlShapeWriter.ElementName(member), ns, w =>
            {
                if (text is not null)
                {
                    w.WriteString(ScalarText.Format(member, text, Timestamps.Iso8601));
                }
            }, fullEnd: text is not null);
        }
        else if (RestBindings.HasBodyMembers(shape))
        {
            var root = XmlRootNames.For(operation.Service, shape);
            response.ContentType ??= "application/xml";
            response.Body = WriteDocument(root, ns, w => XmlShapeWriter.WriteMembers(w, shape, output));
        }
        return response;
    }

    public WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info)
    {
        var response = new WireResponse { Status = error.HttpStatus };
        AddRequestIds(service, response, info);
        if (error.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.AddHeader(name, value);
            }
        }
        if (operation is not null && string.Equals(operation.HttpMethod, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            return response; // HEAD responses carry no body; clients read only the status.
        }
        var shape = ErrorInfo.FindShape(service, error);
        response.ContentType = "application/xml";
        response.Body = WriteDocument("Error", null, writer =>
        {
            writer.WriteElementString("Code", error.Code);
            writer.WriteElementString("Message", error.Message);
            if (error.Fields is { Count: > 0 } fields)
            {
                WriteErrorFields(writer, shape, fields);
            }
            writer.WriteElementString("RequestId", info.RequestId);
            writer.WriteElementString("HostId", HostId(info.RequestId));
        });
        return response;
    }

    private static void WriteErrorFields(XmlOutput writer, Shape? shape, Dictionary<string, object?> fields)
    {
        var written = new HashSet<string>(StringComparer.Ordinal) { "Code", "Message", "RequestId", "HostId" };
        if (shape is not null)
        {
            foreach (var member in shape.Members)
            {
                if (member.Location == MemberLocation.Body && !written.Contains(member.Name)
                    && fields.TryGetValue(member.Name, out var value) && value is not null)
                {
                    XmlShapeWriter.WriteMember(writer, member, XmlShapeWriter.ElementName(member), value);
                    written.Add(member.Name);
                }
            }
        }
        foreach (var (key, value) in fields)
        {
            if (value is not null && written.Add(key))
            {
                writer.WriteElementString(key, value switch
                {
                    DateTimeOffset t => Timestamps.FormatIso(t),
                    bool b => b ? "true" : "false",
                    IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                });
            }
        }
    }

    private static byte[] WriteDocument(string root, string? ns, Action<XmlOutput> body, bool fullEnd = true)
    {
        var writer = XmlOutput.Rent();
        try
        {
            // S3 writes encoding="UTF-8" and a newline after the declaration.
            writer.WriteRaw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"u8);
            writer.WriteStartElement(root, ns ?? "");
            body(writer);
            if (fullEnd)
            {
                writer.WriteFullEndElement();
            }
            else
            {
                writer.WriteEndElement();
            }
            return writer.ToArray();
        }
        finally
        {
            writer.Return();
        }
    }

    private static bool IsS3(ServiceModel service) => service.SigningName == "s3" || service.EndpointPrefix == "s3";

    private static string? DefaultNamespace(ServiceModel service) =>
        IsS3(service) ? "http://s3.amazonaws.com/doc/2006-03-01/" : null;

    private static void AddRequestIds(ServiceModel service, WireResponse response, ResponseInfo info)
    {
        if (IsS3(service))
        {
            response.AddHeader("x-amz-request-id", info.RequestId);
            response.AddHeader("x-amz-id-2", HostId(info.RequestId));
        }
        else
        {
            response.AddHeader("x-amzn-RequestId", info.RequestId);
        }
    }

    /// <summary>S3's extended request id: opaque base64, derived from the request id so it is stable.</summary>
    public static string HostId(string requestId) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("gureum-host-id:" + requestId)).AsSpan(0, 30).ToArray())
        + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(requestId)));

    private static AwsServiceException InvalidArgument(string message) => new("InvalidArgument", message, 400);
}
