using Xunit;

namespace Gureum.Auth.Tests;

/// <summary>Requests signed by botocore and the JS SDK v3 must verify; any tampering must not.</summary>
public class VectorTests
{
    private static (SigV4Verifier Verifier, FixedClock Clock) For(Vector v, AuthMode mode = AuthMode.Strict, string? secret = null)
    {
        var clock = new FixedClock(v.Now);
        var creds = new Creds().Add(v.AccessKeyId, secret ?? v.Secret, token: v.Token);
        return (new SigV4Verifier(creds, mode, clock), clock);
    }

    private static AuthResult Verify(Vector v, AuthRequest? request = null, byte[]? body = null, string? secret = null) =>
        For(v, secret: secret).Verifier.Verify(request ?? v.Request, body ?? PayloadBody(v), bodyIsBuffered: true);

    // For aws-chunked bodies the verifier sees no buffered body (the hash literal is what is signed).
    private static byte[] PayloadBody(Vector v) => v.Body;

    [Theory]
    [MemberData(nameof(Vector.All), MemberType = typeof(Vector))]
    public void Real_sdk_requests_verify(string name)
    {
        var v = Vector.Get(name);
        var r = Verify(v);
        Assert.True(r.Success, $"{name}: {r.Failure?.Kind} {r.Failure?.Message}\n{r.Failure?.CanonicalRequest}");
        Assert.True(r.SignatureVerified);
        Assert.Equal("111122223333", r.AccountId);
        Assert.Equal("us-east-1", r.Region);
        if (v.ExpectString("service") is { } svc)
            Assert.Equal(svc, r.Service);
        if (v.ExpectString("payload") is { } payload)
            Assert.Equal(payload, r.Payload.ToString());
        Assert.Equal(v.Token, r.SessionToken);
        Assert.Equal(v.RawQuery.Contains("X-Amz-Signature", StringComparison.Ordinal), r.Presigned);
    }

    [Theory]
    [MemberData(nameof(Vector.All), MemberType = typeof(Vector))]
    public void Tampered_requests_fail(string name)
    {
        var v = Vector.Get(name);
        AssertMismatch(Verify(v, secret: v.Secret + "x"), "secret");
        AssertMismatch(Verify(v, new AuthRequest(v.Method == "GET" ? "DELETE" : "GET", v.RawPath, v.RawQuery, v.Headers)), "method");
        AssertMismatch(Verify(v, new AuthRequest(v.Method, v.RawPath + "x", v.RawQuery, v.Headers)), "path");
        AssertMismatch(Verify(v, new AuthRequest(v.Method, v.RawPath, v.RawQuery + (v.RawQuery.Length > 0 ? "&" : "") + "extra=1", v.Headers)), "query");
        var hostTampered = v.Headers.Select(h => h.Key.Equals("host", StringComparison.OrdinalIgnoreCase) ? new KeyValuePair<string, string>(h.Key, "evil.example") : h).ToList();
        AssertMismatch(Verify(v, new AuthRequest(v.Method, v.RawPath, v.RawQuery, hostTampered)), "host header");
    }

    [Theory]
    [MemberData(nameof(Vector.All), MemberType = typeof(Vector))]
    public void Tampered_body_is_detected_when_signed(string name)
    {
        var v = Vector.Get(name);
        var r0 = Verify(v);
        if (r0.Payload != PayloadMode.Signed)
            return; // unsigned/streaming bodies are protected by other means (chunk signatures, checksums)
        var body = v.Body.Append((byte)'!').ToArray();
        var r = Verify(v, body: body);
        Assert.False(r.Success);
        // With x-amz-content-sha256 declared the hash check fires; otherwise the signature differs.
        Assert.Contains(r.Failure!.Kind, new[] { AuthFailureKind.ContentSha256Mismatch, AuthFailureKind.SignatureDoesNotMatch });
    }

    [Fact]
    public void Skew_beyond_15_minutes_fails_for_header_auth()
    {
        var v = Vector.Get("sts-query-post");
        var (verifier, clock) = For(v);
        clock.Now = v.Now.AddMinutes(14);
        Assert.True(verifier.Verify(v.Request, v.Body, true).Success);
        clock.Now = v.Now.AddMinutes(16);
        Assert.Equal(AuthFailureKind.RequestTimeTooSkewed, verifier.Verify(v.Request, v.Body, true).Failure?.Kind);
        clock.Now = v.Now.AddMinutes(-16);
        Assert.Equal(AuthFailureKind.RequestTimeTooSkewed, verifier.Verify(v.Request, v.Body, true).Failure?.Kind);
    }

    [Fact]
    public void Presigned_url_expires()
    {
        var v = Vector.Get("s3-presign-get"); // X-Amz-Expires=900
        var (verifier, clock) = For(v);
        clock.Now = v.Now.AddSeconds(899);
        Assert.True(verifier.Verify(v.Request, [], false).Success);
        clock.Now = v.Now.AddSeconds(901);
        var r = verifier.Verify(v.Request, [], false);
        Assert.Equal(AuthFailureKind.RequestExpired, r.Failure?.Kind);
        Assert.Equal("Request has expired", r.Failure?.Message);
        clock.Now = v.Now.AddMinutes(-20);
        Assert.Equal(AuthFailureKind.RequestNotYetValid, verifier.Verify(v.Request, [], false).Failure?.Kind);
    }

    [Theory]
    [InlineData("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800")]
    [InlineData("0", "X-Amz-Expires must be non-negative")]
    [InlineData("-5", "X-Amz-Expires must be non-negative")]
    [InlineData("abc", "X-Amz-Expires should be a number")]
    public void Bad_expires_is_a_query_parameters_error(string expires, string message)
    {
        var v = Vector.Get("s3-presign-week");
        var query = v.RawQuery.Replace("X-Amz-Expires=604800", "X-Amz-Expires=" + expires, StringComparison.Ordinal);
        var r = For(v).Verifier.Verify(new AuthRequest(v.Method, v.RawPath, query, v.Headers), [], false);
        Assert.Equal(AuthFailureKind.AuthorizationQueryParametersError, r.Failure?.Kind);
        Assert.Equal(message, r.Failure?.Message);
    }

    [Fact]
    public void Unknown_key_strict_fails_known_passes_with_account_rules()
    {
        var v = Vector.Get("kms-json11-target");
        var clock = new FixedClock(v.Now);
        Assert.Equal(AuthFailureKind.InvalidAccessKeyId, new SigV4Verifier(new Creds(), AuthMode.Strict, clock).Verify(v.Request, v.Body, true).Failure?.Kind);
        var known = new SigV4Verifier(new Creds(), AuthMode.Known, clock, "123456789012").Verify(v.Request, v.Body, true);
        Assert.True(known.Success);
        Assert.False(known.KeyKnown);
        Assert.False(known.SignatureVerified);
        Assert.Equal("123456789012", known.AccountId);
        Assert.Equal("kms", known.Service);

        // LocalStack convention: a 12-digit access key is the account id.
        var digits = v.Headers.Select(h => h.Key == "Authorization" ? new KeyValuePair<string, string>(h.Key, h.Value.Replace(v.AccessKeyId, "444455556666", StringComparison.Ordinal)) : h).ToList();
        Assert.Equal("444455556666", new SigV4Verifier(new Creds(), AuthMode.Known, clock).Verify(new AuthRequest(v.Method, v.RawPath, v.RawQuery, digits), v.Body, true).AccountId);
    }

    [Fact]
    public void Off_mode_never_fails_but_extracts_scope()
    {
        var v = Vector.Get("dynamodb-json10");
        var r = For(v, AuthMode.Off, secret: "wrong").Verifier.Verify(v.Request, v.Body, true);
        Assert.True(r.Success);
        Assert.Equal("dynamodb", r.Service);
        Assert.False(r.SignatureVerified);
    }

    [Fact]
    public void Strict_mode_checks_session_token()
    {
        var v = Vector.Get("sts-session-token");
        var clock = new FixedClock(v.Now);
        var wrongToken = new Creds().Add(v.AccessKeyId, v.Secret, token: "other");
        Assert.Equal(AuthFailureKind.InvalidToken, new SigV4Verifier(wrongToken, AuthMode.Strict, clock).Verify(v.Request, v.Body, true).Failure?.Kind);
    }

    [Fact]
    public void Anonymous_request_is_flagged_not_failed()
    {
        var r = new SigV4Verifier(new Creds(), AuthMode.Strict, TimeProvider.System)
            .Verify(new AuthRequest("GET", "/bkt/k", "", [new("Host", "localhost")]), [], true);
        Assert.True(r.Success);
        Assert.True(r.IsAnonymous);
        Assert.Equal(PayloadMode.Anonymous, r.Payload);
    }

    [Fact]
    public void Signature_mismatch_reports_canonical_request()
    {
        var v = Vector.Get("s3-get-odd-key");
        var r = Verify(v, secret: "nope");
        Assert.Equal(AuthFailureKind.SignatureDoesNotMatch, r.Failure?.Kind);
        Assert.StartsWith("GET\n/bkt/dir/my%20file%2Bplus~tilde", r.Failure!.CanonicalRequest, StringComparison.Ordinal);
    }

    private static void AssertMismatch(AuthResult r, string what)
    {
        Assert.False(r.Success, $"tampered {what} was accepted");
        Assert.Equal(AuthFailureKind.SignatureDoesNotMatch, r.Failure!.Kind);
    }
}
