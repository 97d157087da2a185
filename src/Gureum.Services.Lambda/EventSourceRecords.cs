using System.Text.Json.Serialization;

namespace Gureum.Services.Lambda;

/// <summary>An event source mapping (SQS queues today). Table lambda/esm, key = account/region/uuid.</summary>
internal sealed class MappingRecord
{
    public string Uuid { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string FunctionArn { get; set; } = "";
    public string EventSourceArn { get; set; } = "";
    public int BatchSize { get; set; } = 10;
    public int MaximumBatchingWindowInSeconds { get; set; }
    public bool Enabled { get; set; } = true;
    public List<string> FunctionResponseTypes { get; set; } = [];
    public List<string>? FilterPatterns { get; set; }
    public DateTimeOffset LastModified { get; set; }
    public string LastProcessingResult { get; set; } = "No records processed";
    public string BaseUrl { get; set; } = "";
}

[JsonSerializable(typeof(MappingRecord))]
internal sealed partial class EsmJson : JsonSerializerContext;
