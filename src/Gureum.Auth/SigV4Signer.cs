using System.Globalization;
using System.Text;

namespace Gureum.Auth;

/// <summary>
/// Client-side SigV4 for our own load driver and tests. Uses the same canonicalization code as the
/// verifier, so the two cannot drift apart; real-SDK vectors in the tests keep both honest.
/// </summary>
public sealed class SigV4Signer
{
    // Headers SDKs never sign because proxies/clients rewrite them (botocore's blacklist).
    private static readonly string[] Unsigned = ["authorization", "user-agent", "expect", "x-amzn-trace-id", "transfer-encoding"];

    private readonly string _accessKeyId, _secret, _region, _service;
    private readonly string? _sessionToken;

    public SigV4Signer(string accessKeyId, string secretAccessKey, string region, string service, string? sessionToken = null)
    {
        _accessKeyId = accessKeyId;
        _secret = secretAccessKey;
        _region = region;
        _service = service;
        _sessionToken = sessionToken;
    }

    private bool IsS3 => SigV4Canonical.UsesS3PathRules(_service);

    /// <summary>Signs with the SHA-256 of <paramref name="body"/> as payload hash.</summary>
    public AuthRequest Sign(AuthRequest request, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        Sign(request, SigV4Canonical.Sha256Hex(body), now);

    /// <summary>
    /// Returns a copy of the request with X-Amz-Date, X-Amz-Security-Token, (S3) x-amz-content-sha256
    /// and Authorization added. <paramref name="payloadHash"/> is a hex SHA-256 or one of the
    /// UNSIGNED-PAYLOAD / STREAMING-* literals. The request must carry a Host header.
    /// </summary>
    public AuthRequest Sign(AuthRequest request, string payloadHash, DateTimeOffset now) =>
        SignWithSignature(request, payloadHash, now, out _);

    /// <summary>As <see cref="Sign(AuthRequest,string,DateTimeOffset)"/>, also returning the seed signature for chunk signing.</summary>
    public AuthRequest SignWithSignature(AuthRequest request, string payloadHash, DateTimeOffset now, out string signature)
    {
        if (request.Header("host") is null)
            throw new ArgumentException("The request needs a Host header to be signed.", nameof(request));
        var timestamp = Timestamp(now);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var h in request.Headers)
        {
            var lower = h.Key.ToLowerInvariant();
            if (lower is not ("authorization" or "x-amz-date" or "x-amz-security-token") && !(IsS3 && lower == "x-amz-content-sha256"))
                headers.Add(h);
        }
        headers.Add(new("X-Amz-Date", timestamp));
        if (_sessionToken is not null)
            headers.Add(new("X-Amz-Security-Token", _sessionToken));
        if (IsS3)
            headers.Add(new("X-Amz-Content-SHA256", payloadHash));

        var signedNames = SignedHeaderNames(headers);
        var signedRaw = string.Join(';', signedNames);
        var canonical = SigV4Canonical.CanonicalRequest(request.Method, CanonicalPath(request.RawPath),
            SigV4Canonical.CanonicalQuery(request.RawQuery, excludeSignature: false),
            SigV4Canonical.CanonicalHeaders(headers, signedNames), signedRaw, payloadHash);
        var scope = Scope(timestamp);
        signature = SigV4Canonical.HmacHex(SigningKey(timestamp), SigV4Canonical.StringToSign(timestamp, scope, canonical));
        headers.Add(new("Authorization", $"{SigV4Canonical.Algorithm} Credential={_accessKeyId}/{scope}, SignedHeaders={signedRaw}, Signature={signature}"));
        return new AuthRequest(request.Method, request.RawPath, request.RawQuery, headers);
    }

    /// <summary>
    /// Presigns: returns the full raw query string (existing query + X-Amz-* parameters + signature)
    /// to append after '?'. Headers of the request (at least Host) are signed.
    /// </summary>
    public string Presign(AuthRequest request, DateTimeOffset now, int expiresSeconds)
    {
        if (request.Header("host") is null)
            throw new ArgumentException("The request needs a Host header to be presigned.", nameof(request));
        var timestamp = Timestamp(now);
        var signedNames = SignedHeaderNames(request.Headers);
        var signedRaw = string.Join(';', signedNames);
        var sb = new StringBuilder(request.RawQuery);
        void Add(string name, string value) =>
            sb.Append(sb.Length > 0 ? "&" : "").Append(name).Append('=').Append(SigV4Canonical.UriEncode(value, keepSlash: false));
        Add("X-Amz-Algorithm", SigV4Canonical.Algorithm);
        Add("X-Amz-Credential", $"{_accessKeyId}/{Scope(timestamp)}");
        Add("X-Amz-Date", timestamp);
        Add("X-Amz-Expires", expiresSeconds.ToString(CultureInfo.InvariantCulture));
        Add("X-Amz-SignedHeaders", signedRaw);
        if (_sessionToken is not null)
            Add("X-Amz-Security-Token", _sessionToken);
        var query = sb.ToString();
        var payload = IsS3 ? SigV4Canonical.UnsignedPayload : SigV4Canonical.EmptySha256;
        var canonical = SigV4Canonical.CanonicalRequest(request.Method, CanonicalPath(request.RawPath),
            SigV4Canonical.CanonicalQuery(query, excludeSignature: true),
            SigV4Canonical.CanonicalHeaders(request.Headers, signedNames), signedRaw, payload);
        var signature = SigV4Canonical.HmacHex(SigningKey(timestamp), SigV4Canonical.StringToSign(timestamp, Scope(timestamp), canonical));
        return query + "&X-Amz-Signature=" + signature;
    }

    /// <summary>The context for signing aws-chunked bodies after <see cref="SignWithSignature"/>.</summary>
    public ChunkSigningContext ChunkContext(string seedSignature, DateTimeOffset now)
    {
        var ts = Timestamp(now);
        return new ChunkSigningContext(SigningKey(ts), seedSignature, ts, Scope(ts));
    }

    /// <summary>Chunk signature: HMAC over "AWS4-HMAC-SHA256-PAYLOAD\n" ts scope previous-sig sha256("") sha256(chunk).</summary>
    public static string ChunkSignature(ChunkSigningContext ctx, string previousSignature, string chunkSha256Hex) =>
        SigV4Canonical.HmacHex(ctx.SigningKey, string.Concat("AWS4-HMAC-SHA256-PAYLOAD\n", ctx.Timestamp, "\n", ctx.Scope, "\n",
            previousSignature, "\n", SigV4Canonical.EmptySha256, "\n", chunkSha256Hex));

    /// <summary>Trailer signature: HMAC over "AWS4-HMAC-SHA256-TRAILER\n" ts scope previous-sig sha256(canonical trailers).</summary>
    public static string TrailerSignature(ChunkSigningContext ctx, string previousSignature, string canonicalTrailers) =>
        SigV4Canonical.HmacHex(ctx.SigningKey, string.Concat("AWS4-HMAC-SHA256-TRAILER\n", ctx.Timestamp, "\n", ctx.Scope, "\n",
            previousSignature, "\n", SigV4Canonical.Sha256Hex(Encoding.UTF8.GetBytes(canonicalTrailers))));

    /// <summary>
    /// Encodes a payload as aws-chunked (signed when <paramref name="signing"/> is given), with optional
    /// trailers (signed too when signing). For tests and the load driver; builds the whole body in memory.
    /// </summary>
    public static byte[] EncodeChunked(ReadOnlySpan<byte> payload, int chunkSize, ChunkSigningContext? signing,
        IReadOnlyList<KeyValuePair<string, string>>? trailers = null)
    {
        using var ms = new MemoryStream();
        var previous = signing?.SeedSignature ?? "";
        var offset = 0;
        while (true)
        {
            var n = Math.Min(chunkSize, payload.Length - offset);
            var chunk = payload.Slice(offset, n);
            var header = n.ToString("x", CultureInfo.InvariantCulture);
            if (signing is not null)
            {
                previous = ChunkSignature(signing, previous, SigV4Canonical.Sha256Hex(chunk));
                header += ";chunk-signature=" + previous;
            }
            ms.Write(Encoding.ASCII.GetBytes(header + "\r\n"));
            if (n == 0)
                break;
            ms.Write(chunk);
            ms.Write("\r\n"u8);
            offset += n;
        }
        if (trailers is { Count: > 0 })
        {
            var canonical = new StringBuilder();
            foreach (var t in trailers)
            {
                ms.Write(Encoding.ASCII.GetBytes($"{t.Key}:{t.Value}\r\n"));
                canonical.Append(t.Key.ToLowerInvariant()).Append(':').Append(t.Value.Trim()).Append('\n');
            }
            if (signing is not null)
                ms.Write(Encoding.ASCII.GetBytes($"x-amz-trailer-signature:{TrailerSignature(signing, previous, canonical.ToString())}\r\n"));
        }
        ms.Write("\r\n"u8);
        return ms.ToArray();
    }

    private string CanonicalPath(string rawPath) =>
        IsS3 ? (rawPath.Length == 0 ? "/" : rawPath) : SigV4Canonical.NormalizedPath(rawPath);

    private static List<string> SignedHeaderNames(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var h in headers)
        {
            var lower = h.Key.Trim().ToLowerInvariant();
            if (Array.IndexOf(Unsigned, lower) < 0)
                set.Add(lower);
        }
        return [.. set];
    }

    private static string Timestamp(DateTimeOffset now) => now.UtcDateTime.ToString(SigV4Canonical.TimestampFormat, CultureInfo.InvariantCulture);

    private string Scope(string timestamp) => $"{timestamp[..8]}/{_region}/{_service}/aws4_request";

    private byte[] SigningKey(string timestamp) => SigV4Canonical.DeriveSigningKey(_secret, timestamp[..8], _region, _service);
}
