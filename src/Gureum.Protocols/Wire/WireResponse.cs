namespace Gureum.Protocols.Wire;

/// <summary>An HTTP response produced by a protocol serializer.</summary>
public sealed class WireResponse
{
    public int Status { get; set; } = 200;

    public List<KeyValuePair<string, string>> Headers { get; } = [];

    public string? ContentType { get; set; }

    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>A streaming body (e.g. S3 GetObject); disposed by the server after writing.</summary>
    public Stream? BodyStream { get; set; }

    public long? ContentLength { get; set; }

    public void AddHeader(string name, string value) => Headers.Add(new(name, value));
}
