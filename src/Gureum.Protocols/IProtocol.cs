using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols;

/// <summary>
/// One AWS wire protocol family. Turns an HTTP request into the value tree of an operation's
/// input shape, and a value tree or an error back into HTTP. Knows shapes, never services.
/// </summary>
public interface IProtocol
{
    /// <summary>The model's protocol name: query, ec2, json, rest-json, rest-xml, smithy-rpc-v2-cbor.</summary>
    string Name { get; }

    /// <summary>
    /// Parses the request into the input structure (model member names as keys). Throws an
    /// <see cref="AwsServiceException"/> for malformed input (never anything else).
    /// </summary>
    /// <param name="uriLabels">REST path labels matched by the router (decoded), or null.</param>
    Dictionary<string, object?> ParseRequest(OperationModel operation, WireRequest request, IReadOnlyDictionary<string, string>? uriLabels);

    WireResponse SerializeResponse(OperationModel operation, Dictionary<string, object?>? output, ResponseInfo info);

    WireResponse SerializeError(ServiceModel service, OperationModel? operation, AwsServiceException error, ResponseInfo info);
}

/// <summary>Per-response facts every serializer needs.</summary>
public sealed record ResponseInfo(string RequestId, DateTimeOffset Time);
