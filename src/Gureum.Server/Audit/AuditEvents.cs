using Gureum.Auth;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Query;
using Gureum.Protocols.Wire;

namespace Gureum.Server.Audit;

/// <summary>Builds the CloudTrail-shaped event of one request.</summary>
internal static class AuditEvents
{
    /// <summary>Parameters never copied into the trail: credentials, payloads, secrets.</summary>
    private static readonly HashSet<string> Hidden = new(StringComparer.OrdinalIgnoreCase)
    {
        "Action", "Version", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "Password", "SecretString",
        "SecretBinary", "Plaintext", "MessageBody", "Body", "Payload", "Message",
    };

    /// <summary>eventSource per service, formatted once.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ServiceModel, string> Sources = new();

    public static AuditEvent Create(string requestId, DateTimeOffset received, ServiceModel? service, string operation,
        string region, string? sourceIp, WireRequest wire, AuthResult? auth, string account, int status,
        AwsServiceException? failure, double latencyMs)
    {
        var identityType = auth is null || !auth.Success ? "Unknown" : auth.IsAnonymous ? "AWSAccount" : auth.PrincipalArn is null ? "Root" : "IAMUser";
        var source = service is null ? "unknown.amazonaws.com" : Sources.GetOrAdd(service, static s => $"{s.EndpointPrefix}.amazonaws.com");
        return new AuditEvent
        {
            EventId = Guid.NewGuid().ToString(),
            EventTime = received,
            EventSource = source,
            EventName = operation,
            AwsRegion = region,
            SourceIpAddress = sourceIp ?? "127.0.0.1",
            UserAgent = wire.Headers["User-Agent"],
            RequestId = requestId,
            AccountId = account,
            IdentityType = identityType,
            PrincipalArn = auth?.PrincipalArn ?? (auth is { Success: true, IsAnonymous: false } ? $"arn:aws:iam::{account}:root" : null),
            AccessKeyId = auth?.AccessKeyId,
            ErrorCode = failure?.Code,
            ErrorMessage = failure?.Message,
            HttpStatus = status,
            ReadOnly = IsReadOnly(operation),
            EventCategory = IsDataEvent(service?.Name, operation) ? "Data" : "Management",
            RequestParameters = Parameters(wire),
            LatencyMs = latencyMs,
        };
    }

    private static bool IsReadOnly(string operation) =>
        operation.StartsWith("Get", StringComparison.Ordinal) || operation.StartsWith("List", StringComparison.Ordinal)
        || operation.StartsWith("Describe", StringComparison.Ordinal) || operation.StartsWith("Head", StringComparison.Ordinal)
        || operation is "Query" or "Scan" or "BatchGetItem" or "ReceiveMessage" or "LookupEvents";

    /// <summary>CloudTrail's data events: object-level S3, item-level DynamoDB, Lambda Invoke, SQS/SNS messages.</summary>
    private static bool IsDataEvent(string? service, string operation) => service switch
    {
        "s3" => operation.Contains("Object", StringComparison.Ordinal) || operation is "UploadPart" or "UploadPartCopy"
            or "CreateMultipartUpload" or "CompleteMultipartUpload" or "AbortMultipartUpload" or "ListParts",
        "dynamodb" => operation.Contains("Item", StringComparison.Ordinal) || operation is "Query" or "Scan" or "ExecuteStatement",
        "lambda" => operation == "Invoke",
        "sqs" => operation.Contains("Message", StringComparison.Ordinal),
        "sns" => operation.StartsWith("Publish", StringComparison.Ordinal),
        _ => false,
    };

    private static Dictionary<string, string>? Parameters(WireRequest wire)
    {
        Dictionary<string, string>? result = null;
        var source = wire.Body.IsEmpty || !(wire.Headers["Content-Type"]?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ?? false)
            ? wire.Query
            : QueryProtocol.Parameters(wire);
        for (var i = 0; i < source.Count; i++)
        {
            var (key, value) = source[i];
            if (Hidden.Contains(key) || key.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            result ??= new Dictionary<string, string>(StringComparer.Ordinal);
            if (result.Count >= 32)
            {
                break;
            }
            result.TryAdd(key, value.Length > 256 ? value[..256] : value);
        }
        return result;
    }
}
