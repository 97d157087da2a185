using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Serialization;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Cbor;

/// <summary>
/// Smithy RPC v2 CBOR (<c>POST /service/{Service}/operation/{Operation}</c>, header
/// <c>smithy-protocol: rpc-v2-cbor</c>): input and output structures as CBOR maps; errors as a
/// map with <c>__type</c> (shape id) and <c>message</c>, plus <c>x-amzn-query-error</c> for
/// awsQueryCompatible services such as CloudWatch.
/// </summary>
public sealed class RpcV2CborProtocol : IProtocol
{
    public const string ContentType = "application/cbor";
    public const string ProtocolHeader = "smithy-protocol";
    public const string ProtocolValue = "rpc-v2-cbor";

    public string Name => "smithy-rpc-v2-cbor";

    public Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels)
    {
        var input = operation.Input ?? new Shape("Unit", ShapeType.Structure);
        return CborShapeCodec.ReadStructure(request.Body, input);
    }

    public WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info)
    {
        var response = new WireResponse { Status = 200 };
        AddHeaders(response, info);
        if (operation.Output is { } shape)
        {
            response.ContentType = ContentType;
            response.Body = CborShapeCodec.Serialize(shape, output);
        }
        return response;
    }

    public WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info)
    {
        var response = new WireResponse { Status = error.HttpStatus, ContentType = ContentType };
        AddHeaders(response, info);
        if (service.AwsQueryCompatible)
        {
            response.AddHeader("x-amzn-query-error", ErrorInfo.QueryErrorHeader(service, error));
        }
        if (error.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.AddHeader(name, value);
            }
        }

        var shape = ErrorInfo.FindShape(service, error);
        var messageName = ErrorInfo.MessageMember(shape)?.Name ?? "message";
        var entries = new List<(string Key, Action<CborWriter> Write)>
        {
            ("__type", w => w.WriteTextString(ErrorInfo.ShapeId(service, error))),
            (messageName, w => w.WriteTextString(error.Message)),
        };
        if (error.Fields is { } fields)
        {
            foreach (var (key, value) in fields)
            {
                if (value is null || key == "__type" || string.Equals(key, "message", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                Member? member = null;
                shape?.MembersByName.TryGetValue(key, out member);
                entries.Add((key, w =>
                {
                    if (member is not null)
                    {
                        CborShapeCodec.WriteValue(w, member.Shape, value);
                    }
                    else
                    {
                        CborShapeCodec.WriteGeneric(w, value);
                    }
                }));
            }
        }
        var writer = new CborWriter();
        writer.WriteStartMap(entries.Count);
        foreach (var (key, write) in entries)
        {
            writer.WriteTextString(key);
            write(writer);
        }
        response.Body = writer.ToArray();
        return response;
    }

    private static void AddHeaders(WireResponse response, ResponseInfo info)
    {
        response.AddHeader(ProtocolHeader, ProtocolValue);
        response.AddHeader("x-amzn-RequestId", info.RequestId);
    }
}
