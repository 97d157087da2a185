using System.Text.Json;

namespace Gureum.Server.Audit;

/// <summary>Writes and reads audit events as CloudTrail-style JSON, by hand (no reflection).</summary>
public static class AuditJson
{
    public static byte[] Serialize(AuditEvent e)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, e);
        }
        return buffer.ToArray();
    }

    public static void Write(Utf8JsonWriter w, AuditEvent e)
    {
        w.WriteStartObject();
        w.WriteString("eventVersion", "1.09");
        w.WriteStartObject("userIdentity");
        w.WriteString("type", e.IdentityType);
        if (e.PrincipalArn is { Length: > 0 })
        {
            w.WriteString("arn", e.PrincipalArn);
        }
        w.WriteString("accountId", e.AccountId);
        if (e.AccessKeyId is { Length: > 0 })
        {
            w.WriteString("accessKeyId", e.AccessKeyId);
        }
        w.WriteEndObject();
        w.WriteString("eventTime", e.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("eventSource", e.EventSource);
        w.WriteString("eventName", e.EventName);
        w.WriteString("awsRegion", e.AwsRegion);
        w.WriteString("sourceIPAddress", e.SourceIpAddress);
        w.WriteString("userAgent", e.UserAgent ?? "");
        if (e.ErrorCode is not null)
        {
            w.WriteString("errorCode", e.ErrorCode);
            w.WriteString("errorMessage", e.ErrorMessage ?? "");
        }
        if (e.RequestParameters is { Count: > 0 })
        {
            w.WriteStartObject("requestParameters");
            foreach (var (key, value) in e.RequestParameters)
            {
                w.WriteString(key, value);
            }
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("requestParameters");
        }
        w.WriteNull("responseElements");
        w.WriteString("requestID", e.RequestId);
        w.WriteString("eventID", e.EventId);
        w.WriteBoolean("readOnly", e.ReadOnly);
        w.WriteString("eventType", "AwsApiCall");
        w.WriteBoolean("managementEvent", e.EventCategory == "Management");
        w.WriteString("recipientAccountId", e.AccountId);
        w.WriteString("eventCategory", e.EventCategory);
        w.WriteNumber("httpStatus", e.HttpStatus);
        w.WriteNumber("latencyMs", Math.Round(e.LatencyMs, 3));
        w.WriteEndObject();
    }
}
