using System.Text.Json.Serialization;

namespace Gureum.Services.Logs;

internal sealed class GroupRecord
{
    public string Name { get; set; } = "";
    public long CreationTime { get; set; }
    public int? RetentionInDays { get; set; }
    public string? KmsKeyId { get; set; }
    public string LogGroupClass { get; set; } = "STANDARD";
    public bool DeletionProtection { get; set; }
    public Dictionary<string, string> Tags { get; set; } = [];
}

internal sealed class StreamRecord
{
    public string Name { get; set; } = "";
    public long CreationTime { get; set; }
    public long? FirstEventTimestamp { get; set; }
    public long? LastEventTimestamp { get; set; }
    public long? LastIngestionTime { get; set; }
    /// <summary>The next event's sequence number (ingestion order; part of each event's key).</summary>
    public long NextSeq { get; set; } = 1;
}

/// <summary>One stored event: timestamp, message and ingestion time.</summary>
internal sealed class EventRecord
{
    [JsonPropertyName("t")] public long Timestamp { get; set; }
    [JsonPropertyName("m")] public string Message { get; set; } = "";
    [JsonPropertyName("i")] public long IngestionTime { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GroupRecord))]
[JsonSerializable(typeof(StreamRecord))]
[JsonSerializable(typeof(EventRecord))]
internal sealed partial class LogsJson : JsonSerializerContext;
