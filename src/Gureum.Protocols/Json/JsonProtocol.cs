using System.Buffers;
using System.Text.Json;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Json;

/// <summary>
/// AWS JSON 1.0 / 1.1 (X-Amz-Target services: DynamoDB, SQS, KMS, Logs, ...): the body is the
/// input structure as JSON; responses are the output structure; errors carry <c>__type</c>.
/// </summary>
public sealed class JsonProtocol : IProtocol
{
    public string Name => "json";

    public Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels)
    {
        if (operation.Input is null)
        {
            // Still reject garbage: AWS parses the body even for operations without input.
            JsonShapeReader.ReadStructure(request.Body, new Shape("Empty", ShapeType.Structure));
            return new Dictionary<string, object?>(StringComparer.Ordinal);
        }
        return JsonShapeReader.ReadStructure(request.Body, operation.Input);
    }

    public WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info)
    {
        var response = new WireResponse
        {
            Status = 200,
            ContentType = ContentType(operation.Service),
            Body = operation.Output is null ? "{}"u8.ToArray() : JsonShapeWriter.Serialize(operation.Output, output),
        };
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        return response;
    }

    public WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info)
    {
        var queryCompatible = service.AwsQueryCompatible;
        var type = queryCompatible ? ErrorInfo.ShapeId(service, error) : error.Code;
        var response = new WireResponse
        {
            Status = error.HttpStatus,
            ContentType = ContentType(service),
            Body = WriteErrorBody(service, error, type),
        };
        response.AddHeader("x-amzn-RequestId", info.RequestId);
        response.AddHeader("x-amzn-ErrorType", error.Code);
        if (queryCompatible)
        {
            response.AddHeader("x-amzn-query-error", ErrorInfo.QueryErrorHeader(service, error));
        }
        AddExtraHeaders(response, error);
        return response;
    }

    /// <summary>The JSON error body: <c>__type</c> (when given), the message and the error's extra members.</summary>
    internal static byte[] WriteErrorBody(ServiceModel service, AwsServiceException error, string? type)
    {
        var shape = ErrorInfo.FindShape(service, error);
        var messageName = ErrorInfo.MessageMember(shape)?.WireName ?? "message";
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, JsonShapeWriter.WriterOptions))
        {
            writer.WriteStartObject();
            if (type is not null)
            {
                writer.WriteString("__type", type);
            }
            writer.WriteString(messageName, error.Message);
            if (error.Fields is { Count: > 0 } fields)
            {
                if (shape is not null)
                {
                    foreach (var member in shape.Members)
                    {
                        if (member.Location == MemberLocation.Body
                            && !string.Equals(member.Name, "message", StringComparison.OrdinalIgnoreCase)
                            && fields.TryGetValue(member.Name, out var value) && value is not null)
                        {
                            writer.WritePropertyName(member.WireName);
                            JsonShapeWriter.WriteValue(writer, member.Shape, member, value);
                        }
                    }
                }
                else
                {
                    foreach (var (key, value) in fields)
                    {
                        if (value is not null && !string.Equals(key, "message", StringComparison.OrdinalIgnoreCase) && key != "__type")
                        {
                            writer.WritePropertyName(key);
                            JsonShapeWriter.WriteDocument(writer, value);
                        }
                    }
                }
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    internal static void AddExtraHeaders(WireResponse response, AwsServiceException error)
    {
        if (error.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.AddHeader(name, value);
            }
        }
    }

    private static string ContentType(ServiceModel service) => $"application/x-amz-json-{service.JsonVersion ?? "1.0"}";
}
