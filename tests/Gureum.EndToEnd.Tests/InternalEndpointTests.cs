using System.Text.Json;
using Gureum.Auth;

namespace Gureum.EndToEnd.Tests;

/// <summary>Health, reset, audit trail and the not-implemented answer.</summary>
public sealed class InternalEndpointTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerFixture _server;
    private readonly HttpClient _http = new();
    private readonly RawClient _client;

    public InternalEndpointTests(ServerFixture server)
    {
        _server = server;
        _client = new RawClient(server.Url);
    }

    public void Dispose()
    {
        _http.Dispose();
        _client.Dispose();
    }

    [Fact]
    public async Task LocalStackHealthHasServicesMap()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(_server.Url + "/_localstack/health"));
        Assert.Equal("running", document.RootElement.GetProperty("services").GetProperty("sts").GetString());
        Assert.True(document.RootElement.TryGetProperty("version", out _));
    }

    [Fact]
    public async Task GureumHealthReportsVersionUptimeAndServices()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync(_server.Url + "/_gureum/health"));
        var root = document.RootElement;
        Assert.Equal("running", root.GetProperty("status").GetString());
        Assert.True(root.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.Equal("in-memory", root.GetProperty("storage").GetString());
        Assert.Equal(30, root.GetProperty("services").EnumerateObject().Count());
    }

    [Fact]
    public async Task UnimplementedOperationNamesServiceAndOperation()
    {
        const string body = "Action=GetAccountSummary&Version=2010-05-08";
        var signer = new SigV4Signer("test", "test", "us-east-1", "iam");
        var signed = signer.Sign(RawClient.FormPost(_client.HostHeader, body), RawClient.Utf8(body), DateTimeOffset.UtcNow);
        var (status, text, _) = await _client.SendAsync(signed, RawClient.Utf8(body));
        Assert.Equal(501, status);
        Assert.Contains("<Code>NotImplemented</Code>", text, StringComparison.Ordinal);
        Assert.Contains("'GetAccountSummary' of service 'iam'", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownActionIsInvalidAction()
    {
        const string body = "Action=NoSuchThing&Version=2011-06-15";
        var signer = new SigV4Signer("test", "test", "us-east-1", "sts");
        var signed = signer.Sign(RawClient.FormPost(_client.HostHeader, body), RawClient.Utf8(body), DateTimeOffset.UtcNow);
        var (status, text, _) = await _client.SendAsync(signed, RawClient.Utf8(body));
        Assert.Equal(400, status);
        Assert.Contains("<Code>InvalidAction</Code>", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrailRecordsRejectedRequestsWithErrorCode()
    {
        const string body = "Action=GetCallerIdentity&Version=2011-06-15";
        var signed = new SigV4Signer("test", "wrong", "us-east-1", "sts")
            .Sign(RawClient.FormPost(_client.HostHeader, body), RawClient.Utf8(body), DateTimeOffset.UtcNow);
        var (status, _, response) = await _client.SendAsync(signed, RawClient.Utf8(body));
        Assert.Equal(403, status);
        var requestId = response.Headers.GetValues("x-amzn-RequestId").Single();

        using var document = JsonDocument.Parse(await _http.GetStringAsync(_server.Url + "/_gureum/audit?service=sts&errors=true&limit=10000"));
        var events = document.RootElement.GetProperty("Events").EnumerateArray().ToList();
        var mine = Assert.Single(events, e => e.GetProperty("requestID").GetString() == requestId);
        Assert.Equal("SignatureDoesNotMatch", mine.GetProperty("errorCode").GetString());
        Assert.Equal("GetCallerIdentity", mine.GetProperty("eventName").GetString());
        Assert.Equal("sts.amazonaws.com", mine.GetProperty("eventSource").GetString());
        Assert.Equal("1.09", mine.GetProperty("eventVersion").GetString());
        Assert.True(mine.GetProperty("readOnly").GetBoolean());
        Assert.True(mine.GetProperty("managementEvent").GetBoolean());
        Assert.Equal("us-east-1", mine.GetProperty("awsRegion").GetString());
        Assert.False(string.IsNullOrEmpty(mine.GetProperty("eventID").GetString()));
    }

    [Fact]
    public async Task UnknownInternalPathIsJson404()
    {
        var response = await _http.GetAsync(_server.Url + "/_gureum/nope");
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }
}
