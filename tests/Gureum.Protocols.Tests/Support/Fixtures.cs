using System.Text.Json;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Tests.Support;

/// <summary>Loads requests captured from botocore (fixtures/*.json, made by fixtures/capture.py).</summary>
public static class Fixtures
{
    public static WireRequest Request(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fixtures", name + ".json");
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var headers = new HeaderCollection();
        foreach (var header in root.GetProperty("headers").EnumerateObject())
        {
            headers.Add(header.Name, header.Value.GetString()!);
        }
        return new WireRequest
        {
            Method = root.GetProperty("method").GetString()!,
            RawPath = root.GetProperty("path").GetString()!,
            RawQuery = root.GetProperty("query").GetString()!,
            Headers = headers,
            Body = Convert.FromBase64String(root.GetProperty("body").GetString()!),
        };
    }

    public static WireRequest Json(string body, string method = "POST", string path = "/", string query = "") => new()
    {
        Method = method,
        RawPath = path,
        RawQuery = query,
        Headers = [],
        Body = System.Text.Encoding.UTF8.GetBytes(body),
    };

    public static WireRequest Bytes(byte[] body, string method = "POST", string path = "/", string query = "") => new()
    {
        Method = method,
        RawPath = path,
        RawQuery = query,
        Headers = [],
        Body = body,
    };

    /// <summary>The path labels the router would have matched.</summary>
    public static Dictionary<string, string> Labels(OperationModel op, WireRequest request)
    {
        Assert.True(op.Template!.TryMatch(request.RawPath, out var labels), $"{op} does not match {request.RawPath}");
        return labels!;
    }

    public static ResponseInfo Info { get; } = new("req-1234", new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static string Header(WireResponse response, string name) =>
        response.Headers.Single(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public static string Text(WireResponse response) => System.Text.Encoding.UTF8.GetString(response.Body.Span);

    /// <summary>Fuzz: the parser may succeed or throw <see cref="AwsServiceException"/>, nothing else.</summary>
    public static void OnlyAwsErrors(Action parse)
    {
        try
        {
            parse();
        }
        catch (AwsServiceException)
        {
        }
    }

    /// <summary>Every truncation and a set of random single-byte corruptions of <paramref name="body"/>.</summary>
    public static IEnumerable<byte[]> Mutations(byte[] body, int seed = 7, int corruptions = 400)
    {
        for (var i = 0; i < body.Length; i++)
        {
            yield return body[..i];
        }
        var random = new Random(seed);
        for (var i = 0; i < corruptions && body.Length > 0; i++)
        {
            var copy = (byte[])body.Clone();
            var count = 1 + random.Next(3);
            for (var j = 0; j < count; j++)
            {
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
            }
            yield return copy;
        }
        for (var i = 0; i < 200; i++)
        {
            var junk = new byte[random.Next(64)];
            random.NextBytes(junk);
            yield return junk;
        }
    }
}
