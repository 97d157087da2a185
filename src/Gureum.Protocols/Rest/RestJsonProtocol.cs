using Gureum.Core;
using Gureum.Protocols.Json;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Rest;

/// <summary>
/// rest-json (Lambda, API Gateway, X-Ray, ...): members bound to the URI, query string and
/// headers, the rest (or the payload member) as JSON; errors name their code in
/// <c>x-amzn-ErrorType</c>.
/// </summary>
public sealed class RestJsonProtocol : IProtocol
{
    public string Name => "rest-json";

    public Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var input = operation.Input;
        if (input is null)
        {
            return result;
        }
        RestBindings.ReadBindings(input, request, uriLabels, result, Error);
        if (input.Payload is { } payloadName && input.MembersByName.TryGetValue(payloadName, out var payload))
        {
            if (payload.Shape.Type is ShapeType.Blob or ShapeType.String)
            {
                RestBindings.ReadRawPayload(payload, request, result, Error);
            }
            else
            {
                var body = RestBindings.BodyBytes(request);
                if (!IsBlank(body.Span))
                {
                    var value = JsonShapeReader.ReadValue(body, payload.Shape);
                    if (value is not null)
                    {
                        result[payload.Name] = value;
                    }
                }
            }
        }
        else if (RestBindings.HasBodyMembers(input))
        {
            foreach (var (key, value) in JsonShapeReader.ReadStructure(RestBindings.BodyBytes(request), input, bodyMembersOnly: true))
            {
                result[key] = value;
            }
        }
        return result;
    }

    public WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info)
    {
        var response = new WireResponse();
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        var shape = operation.Output;
        response.Status = RestBindings.WriteBindings(operation, shape, output, response);
        if (shape is null)
        {
            return response;
        }
        output ??= [];
        if (shape.Payload is { } payloadName && shape.MembersByName.TryGetValue(payloadName, out var payload))
        {
            output.TryGetValue(payload.Name, out var value);
            if (payload.Shape.Type is ShapeType.Blob or ShapeType.String)
            {
                RestBindings.WriteRawPayload(payload, value, response);
            }
            else if (value is not null)
            {
                response.ContentType ??= "application/json";
                response.Body = JsonShapeWriter.SerializeValue(payload.Shape, value);
            }
        }
        else if (RestBindings.HasBodyMembers(shape))
        {
            response.ContentType ??= "application/json";
            response.Body = JsonShapeWriter.Serialize(shape, output, bodyMembersOnly: true);
        }
        return response;
    }

    public WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info)
    {
        // botocore (RestJSONParser) takes the code from x-amzn-ErrorType first, then body "code";
        // the body carries the message (under the error shape's spelling) and the extra members.
        var response = new WireResponse
        {
            Status = error.HttpStatus,
            ContentType = "application/json",
            Body = JsonProtocol.WriteErrorBody(service, error, type: null),
        };
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        response.AddHeader("x-amzn-ErrorType", error.Code);
        if (ErrorInfo.FindShape(service, error) is { } shape && error.Fields is { } fields)
        {
            foreach (var member in shape.Members)
            {
                if (member.Location == MemberLocation.Header && fields.TryGetValue(member.Name, out var value) && value is not null)
                {
                    response.AddHeader(member.WireName, ScalarText.Format(member, value, Timestamps.Rfc822));
                }
            }
        }
        JsonProtocol.AddExtraHeaders(response, error);
        return response;
    }

    private static bool IsBlank(ReadOnlySpan<byte> body) => body.Trim(" \t\r\n"u8).IsEmpty;

    private static AwsServiceException Error(string message) => CommonErrors.Serialization(message);
}
