using System.Globalization;

namespace Gureum.Auth;

/// <summary>
/// Verifies SigV4 (Authorization header or presigned query) for every request. Pure: the caller
/// passes the raw request and, when it has it, the buffered body; nothing here does I/O.
/// </summary>
public sealed class SigV4Verifier
{
    /// <summary>AWS rejects header-signed requests whose time is more than 15 minutes off.</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);
    public const int MaxPresignExpires = 604800;
    public const string DefaultAccount = "000000000000";

    private readonly ICredentialResolver _creds;
    private readonly AuthMode _mode;
    private readonly TimeProvider _clock;
    private readonly string _defaultAccountId;

    /// <summary>
    /// Derived signing keys by (secret, date, region, service): a key is valid for a whole day, so
    /// deriving it (four HMACs) once per day and scope instead of once per request is safe.
    /// Bounded: cleared when it grows past <see cref="MaxCachedKeys"/> entries.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Secret, string Date, string Region, string Service), byte[]> _signingKeys = new();
    private const int MaxCachedKeys = 1024;

    public SigV4Verifier(ICredentialResolver creds, AuthMode mode, TimeProvider clock, string defaultAccountId = DefaultAccount)
    {
        _creds = creds;
        _mode = mode;
        _clock = clock;
        _defaultAccountId = defaultAccountId;
    }

    /// <summary>
    /// Verifies a request. <paramref name="bodyIsBuffered"/> says whether <paramref name="bufferedBodyOrEmpty"/>
    /// is the whole body; if not, a declared hash is returned for the caller to check while streaming.
    /// </summary>
    public AuthResult Verify(AuthRequest request, ReadOnlySpan<byte> bufferedBodyOrEmpty, bool bodyIsBuffered)
    {
        try
        {
            return VerifyCore(request, bufferedBodyOrEmpty, bodyIsBuffered);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException)
        {
            // Defensive: hostile input must surface as an auth failure, never a 500.
            return _mode == AuthMode.Off ? Anonymous() : AuthResult.Fail(AuthFailureKind.IncompleteSignature, "Malformed authentication information: " + ex.Message);
        }
    }

    private AuthResult VerifyCore(AuthRequest request, ReadOnlySpan<byte> body, bool bodyIsBuffered)
    {
        var authHeader = request.Header("Authorization");
        var query = SigV4Canonical.ParseQuery(request.RawQuery);
        var presigned = authHeader is null && (AuthorizationParser.Get(query, "X-Amz-Algorithm") is not null
            || AuthorizationParser.Get(query, "X-Amz-Credential") is not null || AuthorizationParser.Get(query, "X-Amz-Signature") is not null);
        if (authHeader is null && !presigned)
            return Anonymous();

        ParsedAuth? auth;
        AuthFailure? failure;
        string? timestampText, expiresText = null, token;
        DateTimeOffset time;
        if (presigned)
        {
            auth = AuthorizationParser.ParsePresigned(query, out timestampText, out expiresText, out token, out failure);
            if (auth is not null && !AuthorizationParser.TryParseAmzDate(timestampText, out time))
                failure = new(AuthFailureKind.AuthorizationQueryParametersError, $"X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
        }
        else
        {
            auth = AuthorizationParser.ParseHeader(authHeader!, out failure);
            token = request.Header("X-Amz-Security-Token");
            timestampText = request.Header("X-Amz-Date");
            if (auth is not null && failure is null)
            {
                if (timestampText is not null)
                {
                    if (!AuthorizationParser.TryParseAmzDate(timestampText.Trim(), out _))
                        failure = new(AuthFailureKind.IncompleteSignature, $"Date must be in ISO-8601 'basic format'. Got '{timestampText}'. See http://en.wikipedia.org/wiki/ISO_8601");
                    timestampText = timestampText.Trim();
                }
                else if (AuthorizationParser.TryParseHttpDate(request.Header("Date"), out var httpDate))
                {
                    // SigV4 allows Date instead of X-Amz-Date; the string to sign still uses the ISO form.
                    timestampText = httpDate.UtcDateTime.ToString(SigV4Canonical.TimestampFormat, CultureInfo.InvariantCulture);
                }
                else
                {
                    failure = new(AuthFailureKind.IncompleteSignature,
                        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authHeader);
                }
            }
        }
        if (!AuthorizationParser.TryParseAmzDate(timestampText, out time))
            time = default;

        if (_mode == AuthMode.Off)
            return Unverified(auth, auth is null ? null : _creds.Find(auth.AccessKeyId), token, presigned, request, time);
        if (failure is not null || auth is null)
            return new AuthResult { Failure = failure };

        var isS3 = SigV4Canonical.UsesS3PathRules(auth.Service);
        if (presigned)
        {
            // Parameter validity is checked before credentials, like AWS.
            if (!long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
                return AuthResult.Fail(AuthFailureKind.AuthorizationQueryParametersError,
                    expiresText is { Length: > 0 } && expiresText[0] == '-' ? "X-Amz-Expires must be non-negative" : "X-Amz-Expires should be a number");
            if (expires > MaxPresignExpires)
                return AuthResult.Fail(AuthFailureKind.AuthorizationQueryParametersError, "X-Amz-Expires must be less than a week (in seconds) that is 604800");
            if (expires < 1)
                return AuthResult.Fail(AuthFailureKind.AuthorizationQueryParametersError, "X-Amz-Expires must be non-negative");
            var identityForTime = _creds.Find(auth.AccessKeyId);
            if (identityForTime is not null || _mode == AuthMode.Strict)
            {
                var now = _clock.GetUtcNow();
                if (now > time.AddSeconds(expires))
                    return AuthResult.Fail(AuthFailureKind.RequestExpired, "Request has expired");
                if (time > now + MaxSkew)
                    return AuthResult.Fail(AuthFailureKind.RequestNotYetValid, "Request is not valid yet");
            }
        }

        var identity = _creds.Find(auth.AccessKeyId);
        if (identity is null)
        {
            if (_mode == AuthMode.Strict)
                return AuthResult.Fail(AuthFailureKind.InvalidAccessKeyId, "The AWS Access Key Id you provided does not exist in our records.");
            // Known mode: accept without checking; still classify the payload so streams decode.
            return Unverified(auth, null, token, presigned, request, time);
        }

        if (identity.Rejection is { } rejection)
            return AuthResult.Fail(rejection, rejection == AuthFailureKind.ExpiredToken
                ? "The security token included in the request is expired"
                : "The security token included in the request is invalid.");

        if (timestampText![..8] != auth.ScopeDate)
            return AuthResult.Fail(AuthFailureKind.SignatureDoesNotMatch,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{auth.ScopeDate}' != '{timestampText[..8]}', from '{timestampText}'.");

        if (!presigned)
        {
            var skew = (_clock.GetUtcNow() - time).Duration();
            if (skew > MaxSkew)
                return AuthResult.Fail(AuthFailureKind.RequestTimeTooSkewed, isS3
                    ? "The difference between the request time and the current time is too large."
                    : $"Signature expired: {timestampText} is now earlier than {_clock.GetUtcNow().Subtract(MaxSkew).UtcDateTime.ToString(SigV4Canonical.TimestampFormat, CultureInfo.InvariantCulture)} ({_clock.GetUtcNow().UtcDateTime.ToString(SigV4Canonical.TimestampFormat, CultureInfo.InvariantCulture)} - 15 min.)");
        }

        // Long-lived keys have no token; temporary ones must present theirs. Only Strict enforces,
        // because local setups often export a stale AWS_SESSION_TOKEN next to the test keys.
        if (identity.RequiresSessionToken && !string.Equals(identity.SessionToken, token, StringComparison.Ordinal))
            return AuthResult.Fail(AuthFailureKind.InvalidToken, "The security token included in the request is invalid.");
        if (_mode == AuthMode.Strict && identity.SessionToken != token && (identity.SessionToken is not null || token is not null))
            return AuthResult.Fail(AuthFailureKind.InvalidToken, "The provided token is malformed or otherwise invalid.");

        var declared = DeclaredContentSha256(request, auth, presigned);
        if (declared is not null && ClassifyPayload(declared) is null)
            return AuthResult.Fail(AuthFailureKind.InvalidContentSha256,
                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");

        // Payload hash used in the canonical request; a few candidates cover the documented variations.
        var payloadCandidates = new List<string>(2);
        if (declared is not null)
            payloadCandidates.Add(declared);
        else if (presigned && isS3)
            payloadCandidates.Add(SigV4Canonical.UnsignedPayload);
        else if (bodyIsBuffered)
            payloadCandidates.Add(SigV4Canonical.Sha256Hex(body));
        else if (!presigned)
            return AuthResult.Fail(AuthFailureKind.MissingContentSha256, "Missing required header for this request: x-amz-content-sha256");
        if (presigned && !isS3 && declared is null)
        {
            if (!bodyIsBuffered)
                payloadCandidates.Add(SigV4Canonical.EmptySha256);
            payloadCandidates.Add(SigV4Canonical.UnsignedPayload);
        }

        var pathCandidates = new List<string>(2);
        if (isS3)
        {
            pathCandidates.Add(request.RawPath.Length == 0 ? "/" : request.RawPath);
            var relaxed = SigV4Canonical.S3ReencodedPath(request.RawPath);
            if (relaxed != pathCandidates[0])
                pathCandidates.Add(relaxed);
        }
        else
        {
            pathCandidates.Add(SigV4Canonical.NormalizedPath(request.RawPath));
        }

        var signingKey = SigningKey(identity.SecretAccessKey, auth.ScopeDate, auth.Region, auth.Service);
        var canonicalQuery = SigV4Canonical.CanonicalQuery(request.RawQuery, excludeSignature: presigned);
        var canonicalHeaders = new PooledUtf8(512);
        string? matchedPayload = null;
        try
        {
            SigV4Canonical.WriteCanonicalHeaders(request.Headers, auth.SignedHeaders, ref canonicalHeaders);
            foreach (var path in pathCandidates)
            {
                foreach (var payload in payloadCandidates)
                {
                    if (SigV4Canonical.SignatureMatches(signingKey, request.Method, path, canonicalQuery, canonicalHeaders.Written,
                        auth.SignedHeadersRaw, payload, timestampText, auth.Scope, auth.Signature))
                    {
                        matchedPayload = payload;
                        break;
                    }
                }
                if (matchedPayload is not null)
                    break;
            }
        }
        finally
        {
            canonicalHeaders.Dispose();
        }
        if (matchedPayload is null)
        {
            // Strings only for the error details: the first candidate's canonical request and string to sign.
            var canonical = SigV4Canonical.CanonicalRequest(request.Method, pathCandidates[0], canonicalQuery,
                SigV4Canonical.CanonicalHeaders(request.Headers, auth.SignedHeaders), auth.SignedHeadersRaw, payloadCandidates[0]);
            return new AuthResult
            {
                Failure = new AuthFailure(AuthFailureKind.SignatureDoesNotMatch,
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
                {
                    CanonicalRequest = canonical, StringToSign = SigV4Canonical.StringToSign(timestampText, auth.Scope, canonical), SignatureProvided = auth.Signature,
                },
            };
        }

        var mode = presigned && declared is null ? PayloadMode.Unsigned : ClassifyPayload(matchedPayload)!.Value;
        var verified = false;
        if (mode == PayloadMode.Signed && declared is not null && bodyIsBuffered)
        {
            if (!string.Equals(SigV4Canonical.Sha256Hex(body), declared, StringComparison.OrdinalIgnoreCase))
                return AuthResult.Fail(AuthFailureKind.ContentSha256Mismatch, "The provided 'x-amz-content-sha256' header does not match what was computed.");
            verified = true;
        }
        else if (mode == PayloadMode.Signed && declared is null)
        {
            verified = true; // the hash came from the buffered body itself
        }

        return new AuthResult
        {
            AccessKeyId = auth.AccessKeyId, AccountId = identity.AccountId, PrincipalArn = identity.PrincipalArn,
            UserId = identity.UserId, SessionToken = token, Region = auth.Region, Service = auth.Service, Payload = mode,
            DeclaredPayloadSha256 = mode == PayloadMode.Signed ? declared : null, PayloadHashVerified = verified,
            Presigned = presigned, KeyKnown = true, SignatureVerified = true, RequestTime = time,
            ChunkSigning = mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer
                ? new ChunkSigningContext(signingKey, auth.Signature.ToLowerInvariant(), timestampText, auth.Scope)
                : null,
        };
    }

    private byte[] SigningKey(string secret, string date, string region, string service)
    {
        var cacheKey = (secret, date, region, service);
        if (_signingKeys.TryGetValue(cacheKey, out var key))
            return key;
        key = SigV4Canonical.DeriveSigningKey(secret, date, region, service);
        if (_signingKeys.Count >= MaxCachedKeys)
            _signingKeys.Clear();
        _signingKeys[cacheKey] = key;
        return key;
    }

    /// <summary>The x-amz-content-sha256 value that takes part in the signature, if any.</summary>
    private static string? DeclaredContentSha256(AuthRequest request, ParsedAuth auth, bool presigned)
    {
        var value = request.Header("x-amz-content-sha256")?.Trim();
        if (value is null)
            return null;
        // A presigned URL only commits to the header if it was signed; otherwise it is ignored.
        return presigned && Array.IndexOf(auth.SignedHeaders, "x-amz-content-sha256") < 0 ? null : value;
    }

    internal static PayloadMode? ClassifyPayload(string value) => value switch
    {
        SigV4Canonical.UnsignedPayload => PayloadMode.Unsigned,
        SigV4Canonical.StreamingSigned => PayloadMode.StreamingSigned,
        SigV4Canonical.StreamingSignedTrailer => PayloadMode.StreamingSignedTrailer,
        SigV4Canonical.StreamingUnsignedTrailer => PayloadMode.StreamingUnsignedTrailer,
        _ when SigV4Canonical.IsHexSha256(value) => PayloadMode.Signed,
        _ => null,
    };

    private AuthResult Anonymous() => new() { IsAnonymous = true, Payload = PayloadMode.Anonymous, AccountId = _defaultAccountId };

    /// <summary>Success without signature checks (Known mode with unknown key, or Off mode).</summary>
    private AuthResult Unverified(ParsedAuth? auth, SigningIdentity? identity, string? token, bool presigned, AuthRequest request, DateTimeOffset time)
    {
        var declared = auth is null ? null : DeclaredContentSha256(request, auth, presigned);
        var mode = declared is null ? (presigned ? PayloadMode.Unsigned : PayloadMode.Signed) : ClassifyPayload(declared) ?? PayloadMode.Unsigned;
        var akid = auth?.AccessKeyId ?? "";
        var account = identity?.AccountId
            ?? (akid.Length == 12 && akid.All(char.IsAsciiDigit) ? akid : _defaultAccountId); // LocalStack: 12-digit key = account id
        return new AuthResult
        {
            AccessKeyId = akid, AccountId = account, PrincipalArn = identity?.PrincipalArn, UserId = identity?.UserId, SessionToken = token,
            Region = auth?.Region, Service = auth?.Service, Payload = mode,
            DeclaredPayloadSha256 = mode == PayloadMode.Signed ? declared : null, Presigned = presigned,
            KeyKnown = identity is not null, RequestTime = time == default ? null : time,
        };
    }
}
