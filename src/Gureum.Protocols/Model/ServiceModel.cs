namespace Gureum.Protocols.Model;

/// <summary>A service as its AWS model describes it: metadata, operations and shapes.</summary>
public sealed class ServiceModel
{
    internal ServiceModel(string name) => Name = name;

    /// <summary>Gureum's name for the service: the model file name (e.g. "sts", "cognito-idp").</summary>
    public string Name { get; }

    public string ApiVersion { get; internal set; } = "";

    /// <summary>The protocol Gureum serves by default: the model's "protocol".</summary>
    public string Protocol { get; internal set; } = "";

    /// <summary>All protocols the model declares (e.g. CloudWatch: smithy-rpc-v2-cbor, json, query).</summary>
    public IReadOnlyList<string> Protocols { get; internal set; } = [];

    public string? JsonVersion { get; internal set; }

    public string? TargetPrefix { get; internal set; }

    public string SigningName { get; internal set; } = "";

    public string EndpointPrefix { get; internal set; } = "";

    public string ServiceId { get; internal set; } = "";

    public string? ServiceFullName { get; internal set; }

    public string? XmlNamespace { get; internal set; }

    /// <summary>JSON services that replaced a query API keep the query error codes (x-amzn-query-error).</summary>
    public bool AwsQueryCompatible { get; internal set; }

    public string? GlobalEndpoint { get; internal set; }

    public IReadOnlyDictionary<string, OperationModel> Operations { get; internal set; } = new Dictionary<string, OperationModel>();

    public IReadOnlyDictionary<string, Shape> Shapes { get; internal set; } = new Dictionary<string, Shape>();

    /// <summary>Error shapes by wire code (error.code or shape name), for lookups by code.</summary>
    public IReadOnlyDictionary<string, Shape> ErrorsByCode { get; internal set; } = new Dictionary<string, Shape>();

    public OperationModel? FindOperation(string name) =>
        Operations.TryGetValue(name, out var op) ? op : null;

    public override string ToString() => $"{Name} ({Protocol})";
}
