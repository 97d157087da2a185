using Gureum.Auth;

namespace Gureum.EndToEnd.Tests;

/// <summary>
/// Malformed bodies and hostile paths/headers in every protocol family: always an AWS-shaped 4xx
/// (or 501 NotImplemented for a well-formed call of an unimplemented operation), never a 500.
/// </summary>
public sealed class FuzzTests : IClassFixture<ServerFixture>, IDisposable
{
    private readonly ServerFixture _server;
    private readonly RawClient _client;

    public FuzzTests(ServerFixture server)
    {
        _server = server;
        _client = new RawClient(server.Url);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>(service for signing, method, path, extra headers) per protocol family.</summary>
    public static TheoryData<string, string, string, string, string> Targets => new()
    {
        { "query", "sts", "POST", "/", "Content-Type: application/x-www-form-urlencoded" },
        { "ec2", "ec2", "POST", "/", "Content-Type: application/x-www-form-urlencoded" },
        { "json-1.0", "dynamodb", "POST", "/", "Content-Type: application/x-amz-json-1.0|X-Amz-Target: DynamoDB_20120810.PutItem" },
        { "json-1.1", "kms", "POST", "/", "Content-Type: application/x-amz-json-1.1|X-Amz-Target: TrentService.Encrypt" },
        { "rest-json", "lambda", "POST", "/2015-03-31/functions", "Content-Type: application/json" },
        { "rest-xml", "s3", "PUT", "/fuzz-bucket?tagging", "Content-Type: application/xml" },
        { "cbor", "monitoring", "POST", "/service/GraniteServiceVersion20100801/operation/PutMetricData", "Content-Type: application/cbor|smithy-protocol: rpc-v2-cbor" },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task RandomBodiesNeverCauseServerErrors(string family, string service, string method, string path, string headers)
    {
        var random = new Random(family.GetHashCode(StringComparison.Ordinal) & 0x7fffffff);
        var seeds = new List<byte[]>
        {
            RawClient.Utf8("{\"TableName\": \"t\", \"Item\": {\"k\": {\"S\": \"v\"}}}"),
            RawClient.Utf8("Action=GetCallerIdentity&Version=2011-06-15"),
            RawClient.Utf8("<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>"),
            new byte[] { 0xa2, 0x69, 0x4e, 0x61, 0x6d, 0x65, 0x73, 0x70, 0x61, 0x63, 0x65, 0x61, 0x78, 0x6a, 0x4d, 0x65, 0x74, 0x72, 0x69, 0x63, 0x44, 0x61, 0x74, 0x61, 0x80 },
        };
        for (var i = 0; i < 60; i++)
        {
            var body = Mutate(seeds[random.Next(seeds.Count)], random);
            var (status, text, requestId) = await SendSignedAsync(service, method, path, headers, body);
            Assert.True(status < 500 || status == 501 && text.Contains("NotImplemented", StringComparison.Ordinal),
                $"{family} body #{i} gave {status}: {text}");
            Assert.False(string.IsNullOrEmpty(requestId), $"{family} body #{i}: no request id header");
        }
    }

    [Theory]
    [InlineData("/../../etc/passwd")]
    [InlineData("/bucket/%00key")]
    [InlineData("/bucket/..%2F..%2Fescape")]
    [InlineData("/%ff%fe/%c0%af")]
    [InlineData("/bucket/" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task HostilePathsGetAwsErrors(string path)
    {
        var (status, text, _) = await SendSignedAsync("s3", "GET", path, "", []);
        Assert.True(status is >= 400 and < 500 || status == 501, $"{path} gave {status}: {text}");
    }

    [Fact]
    public async Task HugeHeaderIsRejectedWithoutServerError()
    {
        var (status, _, _) = await SendSignedAsync("sts", "POST", "/", "Content-Type: application/x-www-form-urlencoded|X-Huge: " + new string('x', 40_000),
            RawClient.Utf8("Action=GetCallerIdentity&Version=2011-06-15"));
        Assert.InRange(status, 200, 499);
    }

    [Fact]
    public async Task OversizedBodyOfABufferedOperationIsRequestEntityTooLarge()
    {
        var body = new byte[21 * 1024 * 1024];
        var (status, text, requestId) = await SendSignedAsync("dynamodb", "POST", "/",
            "Content-Type: application/x-amz-json-1.0|X-Amz-Target: DynamoDB_20120810.PutItem", body);
        Assert.Equal(413, status);
        Assert.Contains("RequestEntityTooLarge", text, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(requestId));
    }

    [Fact]
    public async Task ServerStillServesAfterTheFuzzing()
    {
        const string body = "Action=GetCallerIdentity&Version=2011-06-15";
        var signed = new SigV4Signer("test", "test", "us-east-1", "sts")
            .Sign(RawClient.FormPost(_client.HostHeader, body), RawClient.Utf8(body), DateTimeOffset.UtcNow);
        var (status, _, _) = await _client.SendAsync(signed, RawClient.Utf8(body));
        Assert.Equal(200, status);
    }

    private async Task<(int Status, string Text, string? RequestId)> SendSignedAsync(string service, string method, string path, string headers, byte[] body)
    {
        var list = new List<KeyValuePair<string, string>> { new("Host", _client.HostHeader) };
        foreach (var header in headers.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            list.Add(new(header[..colon], header[(colon + 1)..].Trim()));
        }
        var question = path.IndexOf('?', StringComparison.Ordinal);
        var request = new AuthRequest(method, question < 0 ? path : path[..question], question < 0 ? "" : path[(question + 1)..], list);
        var signed = new SigV4Signer("test", "test", "us-east-1", service).Sign(request, body, DateTimeOffset.UtcNow);
        var (status, text, response) = await _client.SendAsync(signed, body.Length > 0 || method != "GET" ? body : null);
        var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var a) ? a.First()
            : response.Headers.TryGetValues("x-amz-request-id", out var b) ? b.First() : null;
        return (status, text, requestId);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        var edits = random.Next(1, 8);
        for (var e = 0; e < edits; e++)
        {
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    bytes.RemoveRange(random.Next(bytes.Count), 1);
                    break;
                case 1:
                    bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                    break;
                case 2 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 3 when bytes.Count > 2:
                    bytes.RemoveRange(random.Next(bytes.Count / 2), bytes.Count / 2);
                    break;
                default:
                    bytes.AddRange(RawClient.Utf8(random.Next(3) switch { 0 => "{\"a\":[[[[", 1 => "<x><y>", _ => "&%zz=%" }));
                    break;
            }
        }
        return bytes.ToArray();
    }
}
