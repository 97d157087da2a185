using System.Text;
using System.Text.RegularExpressions;
using Gureum.Auth;
using Gureum.Server;

namespace Gureum.Services.Iam.Tests;

/// <summary>A clock tests can move: the server's one TimeProvider, offset from real time.</summary>
public sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>An in-memory Gureum server on a free port with a movable clock, plus a small signed IAM
/// query client (the AWS SDK for .NET's IAM package is not in this repository's package set).</summary>
public sealed class IamServer : IAsyncLifetime, IDisposable
{
    private GureumHost? _host;
    private readonly HttpClient _http = new();

    public ManualClock Clock { get; } = new();

    public string Url => _host!.Url;

    public async Task InitializeAsync()
    {
        _host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true }, Clock);
        await _host.StartAsync();
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Calls an IAM action signed with the default account's test key; returns status and XML body.</summary>
    public async Task<(int Status, string Body)> IamAsync(string action, params (string Name, string Value)[] parameters)
    {
        var body = new StringBuilder($"Action={action}&Version=2010-05-08");
        foreach (var (name, value) in parameters)
        {
            body.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        var uri = new Uri(Url);
        var request = new AuthRequest("POST", "/", "",
        [
            new("Host", uri.Authority),
            new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
        ]);
        var signed = new SigV4Signer("test", "test", "us-east-1", "iam").Sign(request, bytes, DateTimeOffset.UtcNow);
        using var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
                continue;
            }
            message.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _http.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static string Element(string xml, string name) =>
        Regex.Match(xml, $"<{name}>([^<]*)</{name}>") is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"no <{name}> in {xml}");
}
