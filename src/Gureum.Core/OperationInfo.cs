namespace Gureum.Core;

/// <summary>One row of a generated operation table: the model's facts about an operation.</summary>
public sealed record OperationInfo(
    string Name,
    string HttpMethod,
    string RequestUri,
    string? InputShape,
    string? OutputShape,
    IReadOnlyList<string> Errors);

/// <summary>The generated description of a service: protocol facts and its operation table.</summary>
public sealed record ServiceInfo(
    string Name,
    string ServiceId,
    string ApiVersion,
    string Protocol,
    string? TargetPrefix,
    string SigningName,
    string EndpointPrefix,
    IReadOnlyList<OperationInfo> Operations);
