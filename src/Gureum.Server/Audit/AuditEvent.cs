namespace Gureum.Server.Audit;

/// <summary>One CloudTrail-shaped record of a request, accepted or rejected.</summary>
public sealed record AuditEvent
{
    public required string EventId { get; init; }

    public required DateTimeOffset EventTime { get; init; }

    public required string EventSource { get; init; }

    public required string EventName { get; init; }

    public required string AwsRegion { get; init; }

    public required string SourceIpAddress { get; init; }

    public string? UserAgent { get; init; }

    public required string RequestId { get; init; }

    public required string AccountId { get; init; }

    public required string IdentityType { get; init; }

    public string? PrincipalArn { get; init; }

    public string? AccessKeyId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    public int HttpStatus { get; init; }

    public bool ReadOnly { get; init; }

    /// <summary>CloudTrail's class: Management or Data (e.g. S3 object-level, SQS messages).</summary>
    public required string EventCategory { get; init; }

    /// <summary>Top-level scalar request parameters (secrets and payloads left out).</summary>
    public Dictionary<string, string>? RequestParameters { get; init; }

    public double LatencyMs { get; init; }
}
