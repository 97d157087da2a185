namespace Gureum.Core;

/// <summary>
/// Everything a service provider may know about the caller of one request. Built by the
/// server pipeline; providers never see HTTP.
/// </summary>
public sealed class RequestContext
{
    public required string RequestId { get; init; }

    /// <summary>The service's model name (e.g. "sts", "s3"), as in specs/models.</summary>
    public required string Service { get; init; }

    public required string Operation { get; init; }

    public required string AccountId { get; init; }

    public required string Region { get; init; }

    /// <summary>The moment the request was received, from the server's one clock.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    public required TimeProvider Clock { get; init; }

    /// <summary>The caller's identity after authentication.</summary>
    public required CallerIdentity Caller { get; init; }

    /// <summary>Scheme and authority the client used (e.g. http://localhost:4566), for URLs handed out.</summary>
    public required string BaseUrl { get; init; }

    public string? SourceIp { get; init; }

    public string? UserAgent { get; init; }
}

/// <summary>Who made the request.</summary>
/// <param name="AccessKeyId">The access key that signed the request ("" when anonymous).</param>
/// <param name="Arn">The principal ARN (root user when no named identity is configured).</param>
/// <param name="UserId">The unique id reported by GetCallerIdentity.</param>
/// <param name="Type">CloudTrail's userIdentity.type: Root, IAMUser, AssumedRole, AWSAccount, Anonymous.</param>
public sealed record CallerIdentity(string AccessKeyId, string AccountId, string Arn, string UserId, string Type, string? SessionToken)
{
    public bool IsAnonymous => Type == "Anonymous";
}
