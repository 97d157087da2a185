using System.Globalization;
using System.Text.Json;
using Gureum.Protocols.Model;
using Gureum.Server.Audit;
using Gureum.Server.Pipeline;
using Gureum.Storage;
using Microsoft.AspNetCore.Http;

namespace Gureum.Server;

/// <summary>
/// Gureum's own endpoints: health (ours and LocalStack's shape), reset (ours and moto's), and
/// the audit trail. Everything else on the port is AWS.
/// </summary>
internal sealed class InternalEndpoints
{
    private readonly ServiceRegistry _services;
    private readonly IStateStore _state;
    private readonly IBlobStore _blobs;
    private readonly AuditLog _audit;
    private readonly ServerOptions _options;
    private readonly DateTimeOffset _started;
    private readonly TimeProvider _clock;

    public InternalEndpoints(ServiceRegistry services, IStateStore state, IBlobStore blobs, AuditLog audit,
        ServerOptions options, TimeProvider clock)
    {
        _services = services;
        _state = state;
        _blobs = blobs;
        _audit = audit;
        _options = options;
        _clock = clock;
        _started = clock.GetUtcNow();
    }

    public static bool Handles(PathString path) =>
        path.StartsWithSegments("/_gureum") || path.StartsWithSegments("/_localstack") || path.StartsWithSegments("/moto-api");

    public async Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        var method = http.Request.Method;
        switch (path.TrimEnd('/'))
        {
            case "/_gureum/health" when HttpMethods.IsGet(method) || HttpMethods.IsHead(method):
                await WriteJsonAsync(http, 200, GureumHealth).ConfigureAwait(false);
                return;
            case "/_localstack/health" when HttpMethods.IsGet(method) || HttpMethods.IsHead(method):
                await WriteJsonAsync(http, 200, LocalStackHealth).ConfigureAwait(false);
                return;
            case "/_gureum/reset" or "/moto-api/reset" or "/_localstack/state/reset" when HttpMethods.IsPost(method):
                await _audit.FlushAsync().ConfigureAwait(false);
                await _state.DropAllAsync().ConfigureAwait(false);
                await _blobs.DropAllAsync().ConfigureAwait(false);
                foreach (var service in _services.All.OfType<Gureum.Core.IResettable>())
                {
                    await service.ResetAsync(http.RequestAborted).ConfigureAwait(false);
                }
                await WriteJsonAsync(http, 200, w => w.WriteBoolean("reset", true)).ConfigureAwait(false);
                return;
            case var sns when sns.StartsWith("/_gureum/sns", StringComparison.Ordinal) && _services.Find("sns") is Gureum.Services.Sns.SnsProvider provider:
                var (status, type, text) = await provider.HandleInternalAsync(path,
                    http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal), http.RequestAborted).ConfigureAwait(false);
                http.Response.StatusCode = status;
                http.Response.ContentType = type;
                await http.Response.WriteAsync(text, http.RequestAborted).ConfigureAwait(false);
                return;
            case "/_gureum/audit" when HttpMethods.IsGet(method):
                await AuditAsync(http).ConfigureAwait(false);
                return;
            default:
                await WriteJsonAsync(http, 404, w =>
                {
                    w.WriteString("error", "NotFound");
                    w.WriteString("message", $"No Gureum endpoint {method} {path}. Known: GET /_gureum/health, GET /_localstack/health, POST /_gureum/reset, POST /moto-api/reset, GET /_gureum/audit.");
                }).ConfigureAwait(false);
                return;
        }
    }

    private void GureumHealth(Utf8JsonWriter w)
    {
        w.WriteString("status", "running");
        w.WriteString("version", typeof(InternalEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
        w.WriteNumber("uptimeSeconds", Math.Round((_clock.GetUtcNow() - _started).TotalSeconds, 3));
        w.WriteString("storage", _options.InMemory ? "in-memory" : "durable");
        if (!_options.InMemory)
        {
            w.WriteString("dataDir", _options.DataDir);
        }
        w.WriteString("defaultAccount", _options.Account);
        w.WriteString("defaultRegion", _options.Region);
        w.WriteString("auth", _options.Auth.ToString().ToLowerInvariant());
        w.WriteStartObject("services");
        foreach (var name in ModelCatalog.Names)
        {
            w.WriteString(name, _services.Find(name) is null ? "not_implemented" : "running");
        }
        w.WriteEndObject();
    }

    /// <summary>LocalStack's shape: {"services": {"s3": "running", ...}, "edition": ..., "version": ...}.</summary>
    private void LocalStackHealth(Utf8JsonWriter w)
    {
        w.WriteStartObject("services");
        foreach (var name in ModelCatalog.Names)
        {
            w.WriteString(name, _services.Find(name) is null ? "disabled" : "running");
        }
        w.WriteEndObject();
        w.WriteString("edition", "community");
        w.WriteString("version", "gureum-" + (typeof(InternalEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
    }

    private async Task AuditAsync(HttpContext http)
    {
        var query = http.Request.Query;
        DateTimeOffset? Time(string name) =>
            query.TryGetValue(name, out var v) && DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
        var limit = query.TryGetValue("limit", out var l) && int.TryParse(l.ToString(), out var n) && n > 0 ? Math.Min(n, 10_000) : 1000;
        var errorsOnly = query.TryGetValue("errors", out var e) && e.ToString() is "1" or "true";
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await _audit.WriteQueryAsync(http.Response.Body,
            query.TryGetValue("service", out var s) ? s.ToString() : null,
            query.TryGetValue("operation", out var o) ? o.ToString() : null,
            Time("from"), Time("to"), errorsOnly, limit, http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext http, int status, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.Length;
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)).ConfigureAwait(false);
        }
    }
}
