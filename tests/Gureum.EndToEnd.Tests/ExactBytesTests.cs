using System.Text;
using Gureum.Auth;

namespace Gureum.EndToEnd.Tests;

/// <summary>
/// Pins the exact response bytes of the hot path (signed GetCallerIdentity), of a query-protocol
/// auth error and of an S3 SignatureDoesNotMatch carrying the canonical request and string to
/// sign, so writer and signer optimizations cannot change a byte.
/// </summary>
public sealed class ExactBytesTests : IClassFixture<ServerFixture>, IDisposable
{
    private const string Body = "Action=GetCallerIdentity&Version=2011-06-15";
    private readonly RawClient _client;

    public ExactBytesTests(ServerFixture server) => _client = new RawClient(server.Url);

    public void Dispose() => _client.Dispose();

    private static string RequestId(HttpResponseMessage response) => response.Headers.GetValues("x-amzn-RequestId").Single();

    [Fact]
    public async Task GetCallerIdentityResponseBytes()
    {
        var body = RawClient.Utf8(Body);
        var signed = new SigV4Signer("test", "test", "us-east-1", "sts").Sign(RawClient.FormPost(_client.HostHeader, Body), body, DateTimeOffset.UtcNow);
        var (status, text, response) = await _client.SendAsync(signed, body);
        Assert.Equal(200, status);
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.ToString());
        var id = RequestId(response);
        Assert.Equal(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
            + "<UserId>000000000000</UserId><Account>000000000000</Account><Arn>arn:aws:iam::000000000000:root</Arn>"
            + $"</GetCallerIdentityResult><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
            text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task QuerySignatureMismatchBytes()
    {
        var body = RawClient.Utf8(Body);
        var signed = new SigV4Signer("test", "wrong", "us-east-1", "sts").Sign(RawClient.FormPost(_client.HostHeader, Body), body, DateTimeOffset.UtcNow);
        var (status, text, response) = await _client.SendAsync(signed, body);
        Assert.Equal(403, status);
        var id = RequestId(response);
        Assert.Equal(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
            + "<Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.</Message>"
            + $"</Error><RequestId>{id}</RequestId></ErrorResponse>",
            text);
    }

    [Fact]
    public async Task S3SignatureMismatchCarriesCanonicalRequestAndStringToSign()
    {
        var now = DateTimeOffset.UtcNow;
        var request = new AuthRequest("GET", "/some-bucket/a%20b", "list-type=2&prefix=x%2Fy&b=", [new("Host", _client.HostHeader), new("X-Custom", "  two   words ")]);
        var signed = new SigV4Signer("test", "wrong", "us-east-1", "s3").Sign(request, SigV4Canonical.EmptySha256, now);
        var (status, text, response) = await _client.SendAsync(signed);
        Assert.Equal(403, status);
        var id = response.Headers.GetValues("x-amz-request-id").Single();
        var hostId = response.Headers.GetValues("x-amz-id-2").Single();
        var date = signed.Headers.Single(h => h.Key == "X-Amz-Date").Value;
        var provided = signed.Headers.Single(h => h.Key == "Authorization").Value.Split("Signature=")[1];
        var canonical = "GET\n/some-bucket/a%20b\nb=&amp;list-type=2&amp;prefix=x%2Fy\n"
            + $"host:{_client.HostHeader}\nx-amz-content-sha256:{SigV4Canonical.EmptySha256}\nx-amz-date:{date}\nx-custom:two words\n\n"
            + $"host;x-amz-content-sha256;x-amz-date;x-custom\n{SigV4Canonical.EmptySha256}";
        var canonicalRaw = canonical.Replace("&amp;", "&");
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRaw)));
        var stringToSign = $"AWS4-HMAC-SHA256\n{date}\n{date[..8]}/us-east-1/s3/aws4_request\n{hash}";
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
            + "<Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>"
            + $"<StringToSign>{stringToSign}</StringToSign><SignatureProvided>{provided}</SignatureProvided><CanonicalRequest>{canonical}</CanonicalRequest>"
            + $"<RequestId>{id}</RequestId><HostId>{hostId}</HostId></Error>",
            text);
    }
}
