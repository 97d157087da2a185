using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gureum.Services.DynamoDb.Tests;

/// <summary>
/// A minimal SigV4-signed JSON 1.0 client for DynamoDB Streams (the AWS SDK for .NET v4 ships no streams client
/// in AWSSDK.DynamoDBv2): it sends exactly what the SDKs send and returns the status and the parsed body.
/// </summary>
public sealed class StreamsWire(string url, TimeProvider clock) : IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    public Task<(int Status, JsonNode Body)> CallAsync(string operation, JsonObject body) =>
        SendAsync("DynamoDBStreams_20120810." + operation, body);

    /// <summary>A DynamoDB (tables) call, signed at the server's (moved) time.</summary>
    public async Task<JsonNode> DynamoDbAsync(string operation, JsonObject body)
    {
        var (status, json) = await SendAsync("DynamoDB_20120810." + operation, body);
        Assert.True(status == 200, json.ToJsonString());
        return json;
    }

    private async Task<(int Status, JsonNode Body)> SendAsync(string target, JsonObject body)
    {
        var payload = body.ToJsonString();
        var uri = new Uri(url);
        var now = clock.GetUtcNow().UtcDateTime;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var host = uri.Authority;
        var payloadHash = Hex(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));
        var canonicalHeaders = $"content-type:application/x-amz-json-1.0\nhost:{host}\nx-amz-date:{amzDate}\nx-amz-target:{target}\n";
        const string signed = "content-type;host;x-amz-date;x-amz-target";
        var canonical = $"POST\n/\n\n{canonicalHeaders}\n{signed}\n{payloadHash}";
        var scope = $"{day}/us-east-1/dynamodb/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4test"), day);
        key = Hmac(key, "us-east-1");
        key = Hmac(key, "dynamodb");
        key = Hmac(key, "aws4_request");
        var signature = Hex(Hmac(key, toSign));
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        request.Content = new StringContent(payload, Encoding.UTF8);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential=test/{scope}, SignedHeaders={signed}, Signature={signature}");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonNode.Parse(text)!);
    }

    public async Task<JsonNode> OkAsync(string operation, JsonObject body)
    {
        var (status, json) = await CallAsync(operation, body);
        Assert.True(status == 200, json.ToJsonString());
        return json;
    }

    public async Task<string> IteratorAsync(string arn, string shard, string type, string? sequence = null)
    {
        var body = new JsonObject { ["StreamArn"] = arn, ["ShardId"] = shard, ["ShardIteratorType"] = type };
        if (sequence is not null) body["SequenceNumber"] = sequence;
        return (string)(await OkAsync("GetShardIterator", body))["ShardIterator"]!;
    }

    public async Task<JsonNode> RecordsAsync(string iterator) => await OkAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator });

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
