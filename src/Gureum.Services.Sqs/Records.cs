using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.Sqs;

/// <summary>A queue as stored: its settable attributes (AWS spelling, string values), tags and times.</summary>
internal sealed class QueueRecord
{
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string> Attributes { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    public long CreatedMs { get; set; }
    public long ModifiedMs { get; set; }

    [JsonIgnore] public bool IsFifo => Name.EndsWith(".fifo", StringComparison.Ordinal);
    [JsonIgnore] public string Arn => $"arn:aws:sqs:{Region}:{Account}:{Name}";
    [JsonIgnore] public string Key => SqsKeys.Queue(Account, Region, Name);

    public int IntAttribute(string name) => int.Parse(Attributes[name], System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A message attribute as stored (string, number or binary transport).</summary>
internal sealed class AttributeRecord
{
    public string DataType { get; set; } = "";
    public string? StringValue { get; set; }
    public byte[]? BinaryValue { get; set; }
}

/// <summary>One message with its delivery state. Seq orders messages within a queue.</summary>
internal sealed class MessageRecord
{
    public long Seq { get; set; }
    public string Id { get; set; } = "";
    public string Body { get; set; } = "";
    public Dictionary<string, AttributeRecord>? Attributes { get; set; }
    public string? TraceHeader { get; set; }
    public string Md5Body { get; set; } = "";
    public string? Md5Attributes { get; set; }
    public string? Md5System { get; set; }
    public long SentMs { get; set; }
    public long VisibleAtMs { get; set; }
    public int ReceiveCount { get; set; }
    public long FirstReceiveMs { get; set; }
    /// <summary>When the current receive started (0 when never received): caps the total visibility at 12 h.</summary>
    public long LastReceiveMs { get; set; }
    /// <summary>Random part of the current receipt handle; null until received.</summary>
    public string? Token { get; set; }
    public string? GroupId { get; set; }
    public string? DedupId { get; set; }
    public string? SequenceNumber { get; set; }
    public string SenderId { get; set; } = "";
    public string? DeadLetterSourceArn { get; set; }
}

/// <summary>A FIFO deduplication entry (5-minute window).</summary>
internal sealed class DedupRecord
{
    public string MessageId { get; set; } = "";
    public string? SequenceNumber { get; set; }
    public long ExpiresMs { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueueRecord))]
[JsonSerializable(typeof(MessageRecord))]
[JsonSerializable(typeof(DedupRecord))]
internal sealed partial class SqsJson : JsonSerializerContext
{
    public static byte[] Bytes(QueueRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.QueueRecord);
    public static byte[] Bytes(MessageRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.MessageRecord);
    public static byte[] Bytes(DedupRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.DedupRecord);
}

/// <summary>State-store tables and keys; every key starts with account/region so state is scoped like AWS.</summary>
internal static class SqsKeys
{
    public const string Queues = "sqs/queues";
    public const string Messages = "sqs/messages";
    public const string Dedup = "sqs/dedup";

    public static string Queue(string account, string region, string name) => $"{account}/{region}/{name}";

    public static string Message(string queueKey, long seq) => $"{queueKey}/{seq:D19}";

    public static string DedupKey(string queueKey, string id) => $"{queueKey}/{id}";
}
