using Gureum.Auth;

namespace Gureum.EndToEnd.Tests;

/// <summary>The exact AWS errors for bad signatures, tampered bodies, skewed clocks and expired presigned URLs.</summary>
public sealed class SigV4ErrorTests : IClassFixture<ServerFixture>, IDisposable
{
    private const string Body = "Action=GetCallerIdentity&Version=2011-06-15";
    private readonly ServerFixture _server;
    private readonly RawClient _client;

    public SigV4ErrorTests(ServerFixture server)
    {
        _server = server;
        _client = new RawClient(server.Url);
    }

    public void Dispose() => _client.Dispose();

    private static SigV4Signer Signer(string secret = "test") => new("test", secret, "us-east-1", "sts");

    [Fact]
    public async Task CorrectlySignedRawRequestSucceeds()
    {
        var body = RawClient.Utf8(Body);
        var signed = Signer().Sign(RawClient.FormPost(_client.HostHeader, Body), body, DateTimeOffset.UtcNow);
        var (status, text, _) = await _client.SendAsync(signed, body);
        Assert.Equal(200, status);
        Assert.Contains("<Arn>arn:aws:iam::000000000000:root</Arn>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TamperedBodyIsSignatureDoesNotMatch()
    {
        var signed = Signer().Sign(RawClient.FormPost(_client.HostHeader, Body), RawClient.Utf8(Body), DateTimeOffset.UtcNow);
        var (status, text, _) = await _client.SendAsync(signed, RawClient.Utf8(Body + "&Extra=1"));
        Assert.Equal(403, status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", text, StringComparison.Ordinal);
        Assert.Contains("<Type>Sender</Type>", text, StringComparison.Ordinal);
        Assert.Contains("<RequestId>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SkewedClockIsRejectedAsExpiredSignature()
    {
        var body = RawClient.Utf8(Body);
        var signed = Signer().Sign(RawClient.FormPost(_client.HostHeader, Body), body, DateTimeOffset.UtcNow.AddMinutes(-20));
        var (status, text, _) = await _client.SendAsync(signed, body);
        Assert.Equal(403, status);
        Assert.Contains("<Code>SignatureDoesNotMatch</Code>", text, StringComparison.Ordinal);
        Assert.Contains("Signature expired", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredPresignedUrlIsRejected()
    {
        var request = new AuthRequest("GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", [new("Host", _client.HostHeader)]);
        var query = Signer().Presign(request, DateTimeOffset.UtcNow.AddMinutes(-10), expiresSeconds: 60);
        var (status, text, _) = await _client.SendAsync(new AuthRequest("GET", "/", query, []));
        Assert.Equal(400, status);
        Assert.Contains("<Code>RequestExpired</Code>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidPresignedUrlWorks()
    {
        var request = new AuthRequest("GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", [new("Host", _client.HostHeader)]);
        var query = Signer().Presign(request, DateTimeOffset.UtcNow, expiresSeconds: 300);
        var (status, text, _) = await _client.SendAsync(new AuthRequest("GET", "/", query, []));
        Assert.Equal(200, status);
        Assert.Contains("<Account>000000000000</Account>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PresignLongerThanSevenDaysIsRejected()
    {
        var request = new AuthRequest("GET", "/", "Action=GetCallerIdentity&Version=2011-06-15", [new("Host", _client.HostHeader)]);
        var query = Signer().Presign(request, DateTimeOffset.UtcNow, expiresSeconds: 604801);
        var (status, text, _) = await _client.SendAsync(new AuthRequest("GET", "/", query, []));
        Assert.Equal(400, status);
        Assert.Contains("X-Amz-Expires", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsignedRequestIsMissingAuthenticationToken()
    {
        var (status, text, _) = await _client.SendAsync(RawClient.FormPost(_client.HostHeader, Body), RawClient.Utf8(Body));
        Assert.Equal(403, status);
        Assert.Contains("<Code>MissingAuthenticationToken</Code>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageAuthorizationHeaderIsIncompleteSignature()
    {
        var request = new AuthRequest("POST", "/", "",
        [
            new("Host", _client.HostHeader),
            new("Content-Type", "application/x-www-form-urlencoded"),
            new("Authorization", "AWS4-HMAC-SHA256 Credential=test/garbage"),
            new("X-Amz-Date", DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture)),
        ]);
        var (status, text, _) = await _client.SendAsync(request, RawClient.Utf8(Body));
        Assert.Equal(400, status);
        Assert.Contains("<Code>IncompleteSignature</Code>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerClockIsTheOneClock()
    {
        // Moving the server's clock an hour ahead makes a correctly signed request look stale.
        _server.Clock.Offset = TimeSpan.FromHours(1);
        try
        {
            var body = RawClient.Utf8(Body);
            var signed = Signer().Sign(RawClient.FormPost(_client.HostHeader, Body), body, DateTimeOffset.UtcNow);
            var (status, text, _) = await _client.SendAsync(signed, body);
            Assert.Equal(403, status);
            Assert.Contains("Signature expired", text, StringComparison.Ordinal);
        }
        finally
        {
            _server.Clock.Offset = TimeSpan.Zero;
        }
    }
}
