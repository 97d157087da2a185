namespace Gureum.Protocols.Model;

/// <summary>Where a REST member is bound in the HTTP message.</summary>
public enum MemberLocation
{
    Body,
    Uri,
    QueryString,
    Header,
    Headers,
    StatusCode,
}

/// <summary>A reference from a structure, list or map to a shape, with its serialization traits.</summary>
public sealed class Member
{
    internal Member(string name, Shape shape)
    {
        Name = name;
        Shape = shape;
    }

    public string Name { get; }

    public Shape Shape { get; internal set; }

    public MemberLocation Location { get; internal set; }

    /// <summary>The wire name (header name, query key, XML element, JSON key) when it differs from <see cref="Name"/>.</summary>
    public string? LocationName { get; internal set; }

    /// <summary>
    /// Query key and XML element name only (Smithy's xmlName; set by model patches of JSON services
    /// that keep a query API, e.g. SQS's Attribute.N), leaving JSON's key alone.
    /// </summary>
    public string? XmlName { get; internal set; }

    /// <summary>The EC2 protocol's query key override.</summary>
    public string? QueryName { get; internal set; }

    public bool XmlAttribute { get; internal set; }

    public string? XmlNamespaceUri { get; internal set; }

    public string? XmlNamespacePrefix { get; internal set; }

    public bool? Flattened { get; internal set; }

    /// <summary>Header value is JSON, base64-encoded (rest-json <c>jsonvalue</c> trait).</summary>
    public bool JsonValue { get; internal set; }

    public string? TimestampFormat { get; internal set; }

    public bool IdempotencyToken { get; internal set; }

    public bool HostLabel { get; internal set; }

    /// <summary>Streaming payload: botocore models put the trait on the member ref (S3 Body) or the shape.</summary>
    public bool Streaming
    {
        get => _streaming || Shape.Streaming;
        internal set => _streaming = value;
    }

    private bool _streaming;

    /// <summary>The name used on the wire for body serialization.</summary>
    public string WireName => LocationName ?? Name;

    public bool IsFlattened => Flattened ?? Shape.Flattened;

    public override string ToString() => $"{Name}: {Shape.Name}";
}
