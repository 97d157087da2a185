using System.Net;
using System.Net.Http.Headers;

namespace Gureum.LoadDriver;

/// <summary>
/// A fully signed request, ready to be replayed: headers and body are computed once; each send
/// only allocates the HttpRequestMessage/HttpContent wrapper that HttpClient requires.
/// </summary>
internal sealed class PreparedRequest
{
    private readonly KeyValuePair<string, string>[] _headers;
    private readonly KeyValuePair<string, string>[] _contentHeaders;
    private readonly bool _hasContent;

    private PreparedRequest(HttpMethod method, Uri uri, KeyValuePair<string, string>[] headers, KeyValuePair<string, string>[] contentHeaders, byte[] body)
    {
        Method = method;
        Uri = uri;
        _headers = headers;
        _contentHeaders = contentHeaders;
        Body = body;
        _hasContent = body.Length > 0 || method == HttpMethod.Post || method == HttpMethod.Put;
    }

    public HttpMethod Method { get; }
    public Uri Uri { get; }
    public byte[] Body { get; }

    public static PreparedRequest Create(RequestSpec spec, Uri endpoint, Credentials credentials, string region, DateTimeOffset now)
    {
        var uri = new Uri(endpoint, spec.PathAndQuery);
        var headers = new List<KeyValuePair<string, string>>(spec.Headers);
        if (spec.Signed)
        {
            string authorization = SigV4Signer.Sign(spec.Method.Method, uri, headers, spec.Body, credentials, region, spec.Service, now);
            headers.Add(new("Authorization", authorization));
        }

        var plain = new List<KeyValuePair<string, string>>();
        var content = new List<KeyValuePair<string, string>>();
        foreach (var h in headers)
        {
            (h.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) ? content : plain).Add(h);
        }

        return new PreparedRequest(spec.Method, uri, [.. plain], [.. content], spec.Body);
    }

    public HttpRequestMessage CreateMessage()
    {
        var message = new HttpRequestMessage(Method, Uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        foreach (var (name, value) in _headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        if (_hasContent)
        {
            var content = new ByteArrayContent(Body);
            foreach (var (name, value) in _contentHeaders)
            {
                content.Headers.TryAddWithoutValidation(name, value);
            }

            content.Headers.ContentLength = Body.Length;
            message.Content = content;
        }

        return message;
    }

    public static HttpClient CreateClient(int connections, TimeSpan connectTimeout) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

    /// <summary>One send, body read as text (setup and probes; not used on the hot path).</summary>
    public static async Task<(int Status, string Body)> SendOnceAsync(HttpClient client, PreparedRequest request, CancellationToken ct)
    {
        using var message = request.CreateMessage();
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        return ((int)response.StatusCode, body);
    }
}

/// <summary>Keeps the replayed request fresh: SigV4 signatures expire (15 min skew), so long runs re-sign every minute.</summary>
internal sealed class RequestHolder(RequestSpec spec, Uri endpoint, Credentials credentials, string region)
{
    private PreparedRequest _current = PreparedRequest.Create(spec, endpoint, credentials, region, DateTimeOffset.UtcNow);
    private long _signedAt = Environment.TickCount64;

    public PreparedRequest Current
    {
        get
        {
            if (spec.Signed && Environment.TickCount64 - Volatile.Read(ref _signedAt) > 60_000)
            {
                Volatile.Write(ref _signedAt, Environment.TickCount64);
                Volatile.Write(ref _current, PreparedRequest.Create(spec, endpoint, credentials, region, DateTimeOffset.UtcNow));
            }

            return Volatile.Read(ref _current);
        }
    }
}
