using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.Lambda;

/// <summary>
/// A function: its $LATEST configuration, published versions, aliases, resource policies and tags,
/// kept as one record (functions have few versions; every change rewrites the record atomically).
/// </summary>
internal sealed class FunctionRecord
{
    public string Name { get; set; } = "";
    public VersionConfig Latest { get; set; } = new();
    public List<VersionConfig> Versions { get; set; } = [];
    public int NextVersion { get; set; } = 1;
    public Dictionary<string, AliasRecord> Aliases { get; set; } = [];
    /// <summary>Resource policy statements (raw JSON) per qualifier; "" is the unqualified function.</summary>
    public Dictionary<string, List<string>> Policies { get; set; } = [];
    public Dictionary<string, string> PolicyRevisions { get; set; } = [];
    public Dictionary<string, string> Tags { get; set; } = [];
    public int? ReservedConcurrency { get; set; }
    /// <summary>Asynchronous invocation settings per qualifier ("$LATEST", a version or an alias).</summary>
    public Dictionary<string, EventInvokeConfigRecord> EventInvokeConfigs { get; set; } = [];
}

/// <summary>PutFunctionEventInvokeConfig's settings for one qualifier.</summary>
internal sealed class EventInvokeConfigRecord
{
    public int? MaximumRetryAttempts { get; set; }
    public int? MaximumEventAgeInSeconds { get; set; }
    public string? OnSuccess { get; set; }
    public string? OnFailure { get; set; }
    public DateTimeOffset LastModified { get; set; }
}

/// <summary>One version's configuration and code ($LATEST or a published number).</summary>
internal sealed class VersionConfig
{
    public string Version { get; set; } = "$LATEST";
    public string Runtime { get; set; } = "";
    public string Role { get; set; } = "";
    public string Handler { get; set; } = "";
    public string Description { get; set; } = "";
    public int Timeout { get; set; } = 3;
    public int MemorySize { get; set; } = 128;
    public Dictionary<string, string>? Environment { get; set; }
    public List<string> Architectures { get; set; } = ["x86_64"];
    public int EphemeralStorage { get; set; } = 512;
    public string TracingMode { get; set; } = "PassThrough";
    public string? DeadLetterTarget { get; set; }
    public string? KmsKeyArn { get; set; }
    public string LogFormat { get; set; } = "Text";
    public string? LogGroup { get; set; }
    public string? ApplicationLogLevel { get; set; }
    public string? SystemLogLevel { get; set; }
    public string CodeBlob { get; set; } = "";
    public string CodeSha256 { get; set; } = "";
    public long CodeSize { get; set; }
    public string LastModified { get; set; } = "";
    public string RevisionId { get; set; } = "";
    public DateTimeOffset Created { get; set; }

    public VersionConfig Clone()
    {
        var c = (VersionConfig)MemberwiseClone();
        c.Environment = Environment is null ? null : new Dictionary<string, string>(Environment, StringComparer.Ordinal);
        c.Architectures = [.. Architectures];
        return c;
    }

    /// <summary>Everything PublishVersion compares to decide whether $LATEST changed since the last version.</summary>
    public string Fingerprint() => JsonSerializer.Serialize(new VersionConfig
    {
        Runtime = Runtime, Role = Role, Handler = Handler, Description = "", Timeout = Timeout, MemorySize = MemorySize,
        Environment = Environment, Architectures = Architectures, EphemeralStorage = EphemeralStorage,
        TracingMode = TracingMode, DeadLetterTarget = DeadLetterTarget, KmsKeyArn = KmsKeyArn, LogFormat = LogFormat,
        LogGroup = LogGroup, CodeSha256 = CodeSha256,
    }, LambdaJson.Default.VersionConfig);
}

internal sealed class AliasRecord
{
    public string Name { get; set; } = "";
    public string FunctionVersion { get; set; } = "";
    public string Description { get; set; } = "";
    public Dictionary<string, double>? AdditionalVersionWeights { get; set; }
    public string RevisionId { get; set; } = "";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FunctionRecord))]
[JsonSerializable(typeof(VersionConfig))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string))]
internal sealed partial class LambdaJson : JsonSerializerContext;
