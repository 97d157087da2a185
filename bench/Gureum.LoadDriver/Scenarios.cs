using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gureum.LoadDriver;

/// <summary>What to send: a protocol-level description, signed (or not) into a <see cref="PreparedRequest"/>.</summary>
internal sealed record RequestSpec(
    string Service,
    HttpMethod Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    byte[] Body,
    bool Signed = true)
{
    /// <summary>AWS query protocol (STS, IAM, SQS-query, SNS...): form-encoded POST to /.</summary>
    public static RequestSpec Query(string service, string form) =>
        new(service, HttpMethod.Post, "/", [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], Encoding.UTF8.GetBytes(form));

    /// <summary>AWS JSON 1.0 / 1.1 protocol: POST / with X-Amz-Target.</summary>
    public static RequestSpec Json(string service, string target, string json, string version = "1.0") =>
        new(service, HttpMethod.Post, "/",
            [new("Content-Type", "application/x-amz-json-" + version), new("X-Amz-Target", target)],
            Encoding.UTF8.GetBytes(json));

    /// <summary>REST-XML style (S3): any method and path, payload hash sent in x-amz-content-sha256.</summary>
    public static RequestSpec Rest(string service, HttpMethod method, string pathAndQuery, byte[]? body = null, string? contentType = null)
    {
        body ??= [];
        var headers = new List<KeyValuePair<string, string>> { new("x-amz-content-sha256", SigV4Signer.Hex(SHA256.HashData(body))) };
        if (contentType is not null)
        {
            headers.Add(new("Content-Type", contentType));
        }

        return new(service, method, pathAndQuery, headers, body);
    }

    public static RequestSpec PlainGet(string pathAndQuery) => new("none", HttpMethod.Get, pathAndQuery, [], [], Signed: false);
}

/// <summary>
/// A benchmark scenario. <see cref="Setup"/> runs once against a live server (create the queue,
/// the bucket...) and returns the request that is then replayed; <see cref="Probe"/> is the
/// request used by cold-start polling (it must succeed on a freshly started, empty server).
/// </summary>
internal sealed record Scenario(
    string Description,
    Func<ScenarioContext, RequestSpec> Probe,
    Func<ScenarioContext, CancellationToken, Task<RequestSpec>> Setup);

internal sealed class ScenarioContext(Uri endpoint, Func<RequestSpec, CancellationToken, Task<(int Status, string Body)>> send)
{
    public Uri Endpoint { get; } = endpoint;

    /// <summary>Sends one (signed) request and fails loudly on a non-2xx answer.</summary>
    public async Task<string> SendOkAsync(RequestSpec spec, CancellationToken ct)
    {
        var (status, body) = await send(spec, ct);
        if (status is < 200 or > 299)
        {
            throw new InvalidOperationException($"setup request {spec.Method} {spec.PathAndQuery} answered {status}: {Truncate(body, 500)}");
        }

        return body;
    }

    public static string Truncate(string s, int max) => s.Length <= max ? s : s[..max] + "…";
}

internal static class Scenarios
{
    private const string BenchName = "gureum-bench";

    // Adding a scenario: one entry here. Probe = a request that works on an empty server;
    // Setup = create what the replayed request needs, then return that request.
    public static readonly IReadOnlyDictionary<string, Scenario> All = new Dictionary<string, Scenario>(StringComparer.Ordinal)
    {
        ["sts-get-caller-identity"] = Simple(
            "STS GetCallerIdentity, query protocol (POST / form body)",
            _ => RequestSpec.Query("sts", "Action=GetCallerIdentity&Version=2011-06-15")),

        ["plain-get"] = Simple(
            "unsigned GET of the endpoint's path (for the trivial baseline endpoint)",
            ctx => RequestSpec.PlainGet(ctx.Endpoint.PathAndQuery)),

        ["sqs-send-message"] = new(
            "SQS SendMessage, JSON 1.0 protocol (X-Amz-Target), after CreateQueue gureum-bench",
            _ => CreateQueue(),
            async (ctx, ct) =>
            {
                string created = await ctx.SendOkAsync(CreateQueue(), ct);
                string queueUrl = JsonString(created, "QueueUrl");
                return RequestSpec.Json("sqs", "AmazonSQS.SendMessage",
                    $"{{\"QueueUrl\":{JsonSerializerQuote(queueUrl)},\"MessageBody\":\"hello from the gureum load driver\"}}");
            }),

        ["s3-put-object"] = new(
            "S3 PutObject, 1 KiB body, path-style /gureum-bench/object, after CreateBucket",
            _ => RequestSpec.Rest("s3", HttpMethod.Get, "/"), // ListBuckets works on an empty server
            async (ctx, ct) =>
            {
                await ctx.SendOkAsync(RequestSpec.Rest("s3", HttpMethod.Put, "/" + BenchName), ct);
                byte[] body = new byte[1024];
                Array.Fill(body, (byte)'x');
                return RequestSpec.Rest("s3", HttpMethod.Put, $"/{BenchName}/object", body, "application/octet-stream");
            }),
    };

    private static RequestSpec CreateQueue() =>
        RequestSpec.Json("sqs", "AmazonSQS.CreateQueue", $"{{\"QueueName\":\"{BenchName}\"}}");

    private static Scenario Simple(string description, Func<ScenarioContext, RequestSpec> request) =>
        new(description, request, (ctx, _) => Task.FromResult(request(ctx)));

    private static string JsonString(string json, string property)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty(property).GetString()
            ?? throw new InvalidOperationException($"{property} missing in {json}");
    }

    private static string JsonSerializerQuote(string value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStringValue(value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
