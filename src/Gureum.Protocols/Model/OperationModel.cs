namespace Gureum.Protocols.Model;

/// <summary>One operation of a service model.</summary>
public sealed class OperationModel
{
    internal OperationModel(ServiceModel service, string name)
    {
        Service = service;
        Name = name;
    }

    public ServiceModel Service { get; }

    public string Name { get; }

    public string HttpMethod { get; internal set; } = "POST";

    /// <summary>The REST URI template, e.g. <c>/{Bucket}/{Key+}?uploads</c>.</summary>
    public string RequestUri { get; internal set; } = "/";

    public int? ResponseCode { get; internal set; }

    public Shape? Input { get; internal set; }

    public Shape? Output { get; internal set; }

    /// <summary>The query protocol's result wrapper element (e.g. GetCallerIdentityResult).</summary>
    public string? ResultWrapper { get; internal set; }

    /// <summary>Input's XML root element for rest-xml payloads (locationName + xmlNamespace).</summary>
    public string? InputXmlRoot { get; internal set; }

    public string? InputXmlNamespace { get; internal set; }

    public IReadOnlyList<Shape> Errors { get; internal set; } = [];

    public string? HostPrefix { get; internal set; }

    public bool Deprecated { get; internal set; }

    public bool HttpChecksumRequired { get; internal set; }

    /// <summary>The model says the operation takes no SigV4 auth (authtype none / smithy.api#noAuth), e.g. Cognito SignUp.</summary>
    public bool AllowsAnonymous { get; internal set; }

    public UriTemplate? Template { get; internal set; }

    public override string ToString() => $"{Service.Name}.{Name}";
}
