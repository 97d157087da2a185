using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.Sns;

/// <summary>A topic as stored: settable attributes (AWS spelling, string values), tags, counters.</summary>
internal sealed class TopicRecord
{
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string> Attributes { get; set; } = new(StringComparer.Ordinal);
    public List<KeyValuePair<string, string>> Tags { get; set; } = [];
    public long SubscriptionsDeleted { get; set; }
    public long CreatedMs { get; set; }

    [JsonIgnore] public bool IsFifo => Name.EndsWith(".fifo", StringComparison.Ordinal);
    [JsonIgnore] public string Arn => $"arn:aws:sns:{Region}:{Account}:{Name}";
    [JsonIgnore] public string Key => SnsKeys.Topic(Account, Region, Name);
}

/// <summary>A subscription as stored.</summary>
internal sealed class SubscriptionRecord
{
    public string Arn { get; set; } = "";
    public string TopicArn { get; set; } = "";
    public string TopicKey { get; set; } = "";
    public string Owner { get; set; } = "";
    public string Protocol { get; set; } = "";
    public string Endpoint { get; set; } = "";
    public string Principal { get; set; } = "";
    public bool Confirmed { get; set; }
    public bool ConfirmationWasAuthenticated { get; set; }
    public string Token { get; set; } = "";
    public Dictionary<string, string> Attributes { get; set; } = new(StringComparer.Ordinal);
    public long CreatedMs { get; set; }

    [JsonIgnore] public string Id => Arn[(Arn.LastIndexOf(':') + 1)..];
}

/// <summary>The signing key and its self-signed certificate (served at SigningCertURL).</summary>
internal sealed class SigningRecord
{
    public byte[] Pkcs8 { get; set; } = [];
    public byte[] Certificate { get; set; } = [];
}

/// <summary>A message captured for an endpoint Gureum does not really deliver to (email, sms, application, firehose).</summary>
internal sealed class CapturedMessage
{
    public string SubscriptionArn { get; set; } = "";
    public string TopicArn { get; set; } = "";
    public string Protocol { get; set; } = "";
    public string Endpoint { get; set; } = "";
    public string MessageId { get; set; } = "";
    public string? Subject { get; set; }
    public string Message { get; set; } = "";
    public string Timestamp { get; set; } = "";
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public Dictionary<string, string>? MessageAttributes { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TopicRecord))]
[JsonSerializable(typeof(SubscriptionRecord))]
[JsonSerializable(typeof(SigningRecord))]
[JsonSerializable(typeof(CapturedMessage))]
[JsonSerializable(typeof(List<CapturedMessage>))]
internal sealed partial class SnsJson : JsonSerializerContext
{
    public static byte[] Bytes(TopicRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.TopicRecord);
    public static byte[] Bytes(SubscriptionRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.SubscriptionRecord);
    public static byte[] Bytes(SigningRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.SigningRecord);
    public static byte[] Bytes(CapturedMessage r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.CapturedMessage);
}

/// <summary>State-store tables and keys; every key starts with account/region so state is scoped like AWS.</summary>
internal static class SnsKeys
{
    public const string Topics = "sns/topics";
    public const string Subscriptions = "sns/subscriptions";
    public const string Signing = "sns/signing";
    public const string Captured = "sns/captured";

    public static string Topic(string account, string region, string name) => $"{account}/{region}/{name}";

    public static string Subscription(string topicKey, string id) => $"{topicKey}/{id}";
}
