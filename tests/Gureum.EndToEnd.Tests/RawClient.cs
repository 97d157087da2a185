using System.Text;
using Gureum.Auth;

namespace Gureum.EndToEnd.Tests;

/// <summary>Sends hand-signed requests, for the cases real SDKs refuse to produce (tampering, skew, expiry).</summary>
public sealed class RawClient : IDisposable
{
    private readonly HttpClient _http = new();
    private readonly Uri _base;

    public RawClient(string url) => _base = new Uri(url);

    public string HostHeader => _base.Authority;

    public static AuthRequest FormPost(string host, string body) => new("POST", "/", "",
    [
        new("Host", host),
        new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
    ]);

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(AuthRequest request, byte[]? body = null)
    {
        var uri = new Uri(_base, request.RawPath + (request.RawQuery.Length > 0 ? "?" + request.RawQuery : ""));
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
        }
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content ??= new ByteArrayContent([]);
                message.Content.Headers.TryAddWithoutValidation(name, value);
                continue;
            }
            message.Headers.TryAddWithoutValidation(name, value);
        }
        var response = await _http.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose() => _http.Dispose();
}
