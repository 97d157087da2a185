namespace Gureum.Protocols.Wire;

/// <summary>An HTTP request as the protocol layer sees it: independent of Kestrel.</summary>
public sealed class WireRequest
{
    private List<KeyValuePair<string, string>>? _query;
    private List<KeyValuePair<string, string>>? _queryAndForm;
    private ReadOnlyMemory<byte> _body;

    public required string Method { get; init; }

    /// <summary>The path exactly as sent (percent-encoded), without the query string.</summary>
    public required string RawPath { get; set; }

    /// <summary>The query string as sent, without the leading '?'.</summary>
    public required string RawQuery { get; init; }

    public required HeaderCollection Headers { get; init; }

    public string Host { get; init; } = "";

    /// <summary>The body, buffered by the server for non-streaming operations (bounded in size).</summary>
    public ReadOnlyMemory<byte> Body
    {
        get => _body;
        set
        {
            _body = value;
            _queryAndForm = null;
        }
    }

    /// <summary>The body as a stream, for operations with a streaming payload (e.g. S3 PutObject).</summary>
    public Stream? BodyStream { get; set; }

    /// <summary>Decoded query parameters in order; repeated keys stay repeated.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query => _query ??= QueryString.Parse(RawQuery);

    /// <summary>
    /// The URL's parameters, then the body's parsed as a form (query protocol). Parsed once per body:
    /// routing, the protocol and the audit trail all read it.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> QueryAndFormParameters
    {
        get
        {
            if (_queryAndForm is null)
            {
                var parameters = new List<KeyValuePair<string, string>>(Query);
                if (!_body.IsEmpty)
                {
                    parameters.AddRange(QueryString.Parse(System.Text.Encoding.UTF8.GetString(_body.Span)));
                }
                _queryAndForm = parameters;
            }
            return _queryAndForm;
        }
    }

    public string? QueryValue(string key)
    {
        foreach (var (k, v) in Query)
        {
            if (k == key)
            {
                return v;
            }
        }
        return null;
    }

    public bool HasQuery(string key)
    {
        foreach (var (k, _) in Query)
        {
            if (k == key)
            {
                return true;
            }
        }
        return false;
    }
}
