using System.Diagnostics;
using System.Text;
using Gureum.Auth;
using Gureum.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

// Allocated bytes and CPU time per signed GetCallerIdentity through the whole in-process server
// (Kestrel + pipeline + audit + log), minus the same HttpClient loop against a trivial Kestrel
// endpoint in the same process (client + Kestrel cost). usage: Gureum.AllocHarness [requests] [concurrency]
// With --types, also prints the types the GC's allocation sampling (one event per ~100 KB) saw during the STS runs.
var types = args.Contains("--types");
args = args.Where(a => a != "--types").ToArray();
var requests = args.Length > 0 ? int.Parse(args[0]) : 20000;
var concurrency = args.Length > 1 ? int.Parse(args[1]) : 8;

var trivial = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
trivial.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
var trivialApp = trivial.Build();
trivialApp.Run(context => { context.Response.ContentLength = 2; return context.Response.Body.WriteAsync("ok"u8.ToArray()).AsTask(); });
await trivialApp.StartAsync();
var trivialUrl = trivialApp.Urls.First();

var host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true });
await host.StartAsync();
var uri = new Uri(host.Url);

const string Body = "Action=GetCallerIdentity&Version=2011-06-15";
var body = Encoding.UTF8.GetBytes(Body);
var signed = new SigV4Signer("test", "test", "us-east-1", "sts").Sign(new AuthRequest("POST", "/", "",
[
    new("Host", uri.Authority),
    new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
]), body, DateTimeOffset.UtcNow);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency });

HttpRequestMessage Sts()
{
    var message = new HttpRequestMessage(HttpMethod.Post, new Uri(uri, "/")) { Content = new ByteArrayContent(body) };
    foreach (var (name, value) in signed.Headers)
    {
        if (name == "Host") continue;
        if (name == "Content-Type") { message.Content.Headers.TryAddWithoutValidation(name, value); continue; }
        message.Headers.TryAddWithoutValidation(name, value);
    }
    return message;
}

HttpRequestMessage Plain() => new(HttpMethod.Get, trivialUrl);

async Task<(double Bytes, double CpuUs, double Gen0)> Measure(Func<HttpRequestMessage> make, int n)
{
    async Task Loop(int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var response = await http.SendAsync(make());
            await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"status {(int)response.StatusCode}");
        }
    }
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Loop(200))); // warm-up
    GC.Collect();
    var process = Process.GetCurrentProcess();
    var cpu0 = process.TotalProcessorTime;
    var bytes0 = GC.GetTotalAllocatedBytes(true);
    var gc0 = GC.CollectionCount(0);
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Loop(n / concurrency)));
    var bytes = GC.GetTotalAllocatedBytes(true) - bytes0;
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpu0;
    var total = n / concurrency * concurrency;
    return ((double)bytes / total, cpu.TotalMicroseconds / total, (GC.CollectionCount(0) - gc0) * 1000.0 / total);
}

using var sampler = types ? new AllocationSampler() : null;
for (var round = 1; round <= 3; round++)
{
    var t = await Measure(Plain, requests);
    if (sampler is not null) sampler.Enabled = true;
    var g = await Measure(Sts, requests);
    if (sampler is not null) sampler.Enabled = false;
    Console.WriteLine($"round {round}: trivial {t.Bytes:F0} B/req {t.CpuUs:F1} us/req | gureum sts {g.Bytes:F0} B/req {g.CpuUs:F1} us/req gen0/1k {g.Gen0:F2} | difference {g.Bytes - t.Bytes:F0} B/req {g.CpuUs - t.CpuUs:F1} us CPU/req");
}
sampler?.Print();
await host.DisposeAsync();
await trivialApp.StopAsync();

/// <summary>Counts GCAllocationTick samples per type name (each sample stands for ~100 KB allocated).</summary>
sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _bytes = new();
    public volatile bool Enabled;

    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (!Enabled || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }
        var name = e.PayloadNames!.IndexOf("TypeName") is var i and >= 0 ? e.Payload[i]?.ToString() ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var j and >= 0 ? Convert.ToInt64(e.Payload[j]) : 100_000;
        _bytes.AddOrUpdate(name, amount, (_, v) => v + amount);
    }

    public void Print()
    {
        var total = _bytes.Values.Sum();
        foreach (var (name, bytes) in _bytes.OrderByDescending(p => p.Value).Take(30))
        {
            Console.WriteLine($"{100.0 * bytes / total,5:F1}%  {name}");
        }
    }
}
