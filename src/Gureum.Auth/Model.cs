namespace Gureum.Auth;

/// <summary>A credential the emulator knows: who signs with this access key.</summary>
public sealed record SigningIdentity(
    string AccessKeyId, string SecretAccessKey, string AccountId, string? PrincipalArn, string? SessionToken)
{
    /// <summary>The principal's unique id (AIDA…, AROA…:session), when the issuer knows it.</summary>
    public string? UserId { get; init; }

    /// <summary>Set when the key is known but must be refused (inactive key, expired credentials).</summary>
    public AuthFailureKind? Rejection { get; init; }

    /// <summary>Temporary credentials: the request must carry exactly <see cref="SessionToken"/> (any auth mode but Off).</summary>
    public bool RequiresSessionToken { get; init; }
}

/// <summary>Looks up secrets by access key id. Returns null for an unknown key.</summary>
public interface ICredentialResolver
{
    SigningIdentity? Find(string accessKeyId);
}

/// <summary>
/// Strict: unknown keys and bad signatures fail (real AWS behaviour).
/// Known (default): known keys are fully verified; unknown keys are accepted unverified
/// (LocalStack/moto-style "any key works"). Off: never fails, only extracts scope info.
/// </summary>
public enum AuthMode { Strict, Known, Off }

/// <summary>How the request body is protected, decided by x-amz-content-sha256 / auth form.</summary>
public enum PayloadMode
{
    /// <summary>A hex SHA-256 of the body was declared (and signed).</summary>
    Signed,
    /// <summary>UNSIGNED-PAYLOAD (presigned URLs, S3 over TLS).</summary>
    Unsigned,
    /// <summary>STREAMING-AWS4-HMAC-SHA256-PAYLOAD: aws-chunked with per-chunk signatures.</summary>
    StreamingSigned,
    /// <summary>STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks plus signed trailers.</summary>
    StreamingSignedTrailer,
    /// <summary>STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked without signatures, checksum trailer.</summary>
    StreamingUnsignedTrailer,
    /// <summary>No authentication information at all.</summary>
    Anonymous,
}

public enum AuthFailureKind
{
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidAccessKeyId,
    SignatureDoesNotMatch,
    /// <summary>Presigned URL past X-Amz-Date + X-Amz-Expires.</summary>
    RequestExpired,
    /// <summary>Presigned URL whose X-Amz-Date is in the future (S3: AccessDenied "Request is not valid yet").</summary>
    RequestNotYetValid,
    RequestTimeTooSkewed,
    AuthorizationQueryParametersError,
    InvalidToken,
    /// <summary>Temporary credentials past their expiration.</summary>
    ExpiredToken,
    UnsupportedAlgorithm,
    ContentSha256Mismatch,
    /// <summary>x-amz-content-sha256 is neither hex SHA-256 nor a known literal (S3: InvalidArgument).</summary>
    InvalidContentSha256,
    /// <summary>S3 header auth without x-amz-content-sha256 and the body was not buffered (S3: InvalidRequest).</summary>
    MissingContentSha256,
    InvalidChunk,
}

/// <summary>
/// Why authentication failed. CanonicalRequest/StringToSign are filled for signature mismatches
/// because S3 echoes them in its error body, which is how users debug their signers.
/// </summary>
public sealed record AuthFailure(AuthFailureKind Kind, string Message)
{
    public string? CanonicalRequest { get; init; }
    public string? StringToSign { get; init; }
    public string? SignatureProvided { get; init; }
}

/// <summary>Thrown by the body streams (chunk signature, framing, content hash); an IOException so
/// that body readers treat it as a failed read rather than a server bug.</summary>
public sealed class AwsAuthException : IOException
{
    public AwsAuthException(AuthFailureKind kind, string message) : base(message) => Failure = new AuthFailure(kind, message);
    public AuthFailure Failure { get; }
    public AuthFailureKind Kind => Failure.Kind;
}

/// <summary>What a chunk verifier needs after the headers were verified: the signing key is derived
/// once (4 HMACs) and the seed signature starts the chain of chunk signatures.</summary>
public sealed class ChunkSigningContext
{
    public ChunkSigningContext(byte[] signingKey, string seedSignature, string timestamp, string scope)
    {
        SigningKey = signingKey;
        SeedSignature = seedSignature;
        Timestamp = timestamp;
        Scope = scope;
    }
    public byte[] SigningKey { get; }
    public string SeedSignature { get; }
    /// <summary>ISO-8601 basic timestamp, e.g. 20130524T000000Z.</summary>
    public string Timestamp { get; }
    /// <summary>date/region/service/aws4_request.</summary>
    public string Scope { get; }
}

/// <summary>Everything the verifier needs from an HTTP request, exactly as received.</summary>
public sealed class AuthRequest
{
    public AuthRequest(string method, string rawPath, string? rawQuery, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        Method = method;
        RawPath = rawPath;
        RawQuery = rawQuery is { Length: > 0 } q && q[0] == '?' ? q[1..] : rawQuery ?? "";
        Headers = headers;
    }
    public string Method { get; }
    /// <summary>Path exactly as on the request line (still percent-encoded), without the query.</summary>
    public string RawPath { get; }
    /// <summary>Query string as received, without the leading '?'.</summary>
    public string RawQuery { get; }
    /// <summary>Headers with names as sent; a repeated header appears repeatedly. HTTP/2 callers must supply "host".</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>First value of a header (case-insensitive name), or null.</summary>
    public string? Header(string name)
    {
        var headers = Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var h = headers[i];
            if (string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
                return h.Value;
        }
        return null;
    }
}

public sealed class AuthResult
{
    public bool Success => Failure is null;
    public AuthFailure? Failure { get; init; }
    /// <summary>No Authorization header and no presign parameters. Strict servers answer
    /// MissingAuthenticationToken/AccessDenied; S3 may allow public buckets.</summary>
    public bool IsAnonymous { get; init; }
    public string AccessKeyId { get; init; } = "";
    public string AccountId { get; init; } = "";
    public string? PrincipalArn { get; init; }
    /// <summary>The principal's unique id from the credential's issuer, when known.</summary>
    public string? UserId { get; init; }
    public string? SessionToken { get; init; }
    public string? Region { get; init; }
    /// <summary>Service from the credential scope (e.g. "s3", "sts", "dynamodb").</summary>
    public string? Service { get; init; }
    public PayloadMode Payload { get; init; }
    /// <summary>The hex SHA-256 from x-amz-content-sha256, when one was declared.</summary>
    public string? DeclaredPayloadSha256 { get; init; }
    /// <summary>True when the declared hash was already checked against a buffered body.
    /// If false and DeclaredPayloadSha256 is set, wrap the body in Sha256VerifyingStream.</summary>
    public bool PayloadHashVerified { get; init; }
    public bool Presigned { get; init; }
    /// <summary>The resolver knew the access key (so the signature was checked unless mode is Off).</summary>
    public bool KeyKnown { get; init; }
    /// <summary>The signature was actually verified.</summary>
    public bool SignatureVerified { get; init; }
    /// <summary>Request time (X-Amz-Date / Date), when parseable.</summary>
    public DateTimeOffset? RequestTime { get; init; }
    /// <summary>Set for streaming signed payloads whose signature was verified; pass to AwsChunkedDecodingStream.</summary>
    public ChunkSigningContext? ChunkSigning { get; init; }

    internal static AuthResult Fail(AuthFailureKind kind, string message) => new() { Failure = new AuthFailure(kind, message) };
}
