using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gureum.LoadDriver;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}\n\n{Options.Usage}");
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        if (options.SelfTest)
        {
            bool ok = SigV4Signer.SelfTest(out string detail);
            Console.WriteLine($"SigV4 get-vanilla known answer: {(ok ? "OK" : "MISMATCH")}\n  {detail}");
            return ok ? 0 : 1;
        }

        if (options.ListScenarios)
        {
            foreach (var (name, s) in Scenarios.All)
            {
                Console.WriteLine($"{name,-26} {s.Description}");
            }

            return 0;
        }

        if (!Scenarios.All.TryGetValue(options.Scenario, out var scenario))
        {
            Console.Error.WriteLine($"error: unknown scenario '{options.Scenario}'. Known: {string.Join(", ", Scenarios.All.Keys)}");
            return 2;
        }

        var credentials = new Credentials(options.AccessKey, options.SecretKey, options.SessionToken);
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };

        try
        {
            if (options.ColdStartCommand is not null)
            {
                Console.Error.WriteLine($"cold start: {options.Runs} runs of `{options.ColdStartCommand}`, probe = {options.Scenario} → {options.Endpoint}");
                var (runs, load) = await new ColdStart(options, scenario, credentials).RunAsync(cts.Token);
                PrintColdStart(runs);
                if (load is not null)
                {
                    PrintLoad(options, load);
                }

                WriteJson(options, runs, load);
                return runs.Any(r => r.Error is not null) ? 1 : 0;
            }

            var result = await RunLoadAsync(options, scenario, credentials, options.RssPid, cts.Token);
            PrintLoad(options, result);
            WriteJson(options, null, result);
            return result.Requests == 0 ? 1 : 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or JsonException or KeyNotFoundException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Setup once, then closed-loop load; samples RSS of <paramref name="rssPid"/> when given.</summary>
    public static async Task<LoadResult> RunLoadAsync(Options options, Scenario scenario, Credentials credentials, int? rssPid, CancellationToken ct)
    {
        using var client = PreparedRequest.CreateClient(options.Connections, TimeSpan.FromSeconds(5));
        var ctx = new ScenarioContext(options.Endpoint, (spec, token) =>
            PreparedRequest.SendOnceAsync(client, PreparedRequest.Create(spec, options.Endpoint, credentials, options.Region, DateTimeOffset.UtcNow), token));
        RequestSpec spec = await scenario.Setup(ctx, ct);
        var holder = new RequestHolder(spec, options.Endpoint, credentials, options.Region);

        long? idle = rssPid is int p ? ProcInfo.RssKiB(p) : null;
        RssSampler? sampler = rssPid is int pid ? new RssSampler(pid) : null;
        Console.Error.WriteLine($"load: {options.Scenario} → {options.Endpoint}, {options.Connections} connections, warm-up {options.Warmup.TotalSeconds}s, measure {options.Duration.TotalSeconds}s");
        LoadResult result;
        try
        {
            result = await new LoadRunner(client, holder, options.Connections, options.Warmup, options.Duration).RunAsync(ct);
        }
        finally
        {
            if (sampler is not null)
            {
                await sampler.DisposeAsync();
            }
        }

        result.RssIdleKiB = idle;
        result.RssMaxKiB = sampler?.MaxKiB;
        result.RssTreeMaxKiB = sampler?.MaxTreeKiB;
        return result;
    }

    private static void PrintLoad(Options o, LoadResult r)
    {
        var h = r.Latency;
        Console.WriteLine();
        Console.WriteLine($"endpoint     {o.Endpoint}");
        Console.WriteLine($"scenario     {o.Scenario}   connections {r.Connections}   measured {r.MeasuredSeconds:F1}s (after {o.Warmup.TotalSeconds:F1}s warm-up)");
        Console.WriteLine($"requests     {r.Requests}   {r.RequestsPerSecond:F0} req/s");
        Console.WriteLine($"latency      p50 {Format.Micros(h.Percentile(50))}   p90 {Format.Micros(h.Percentile(90))}   p99 {Format.Micros(h.Percentile(99))}   p99.9 {Format.Micros(h.Percentile(99.9))}   max {Format.Micros(h.Max)}   mean {Format.Micros((long)h.Mean)}");
        Console.WriteLine($"status       {string.Join("  ", r.StatusCounts.Select(kv => $"{kv.Key}: {kv.Value}"))}");
        Console.WriteLine($"non-2xx      {r.Non2xx}   transport errors {r.TransportErrors}");
        foreach (string e in r.DistinctErrors)
        {
            Console.WriteLine($"  error: {e}");
        }

        if (r.RssIdleKiB is not null || r.RssMaxKiB is not null)
        {
            Console.WriteLine($"rss          idle {Format.KiB(r.RssIdleKiB)}   max under load {Format.KiB(r.RssMaxKiB)}   (process tree max {Format.KiB(r.RssTreeMaxKiB)})");
        }
    }

    private static void PrintColdStart(List<ColdStartRun> runs)
    {
        var ok = runs.Where(r => r.Error is null).Select(r => r.MillisToFirst2xx).Order().ToList();
        Console.WriteLine();
        Console.WriteLine($"cold start   median {(ok.Count > 0 ? Median(ok).ToString("F1", CultureInfo.InvariantCulture) : "n/a")} ms   runs: {string.Join(", ", runs.Select(r => r.Error is null ? r.MillisToFirst2xx.ToString("F1", CultureInfo.InvariantCulture) : "FAIL"))}");
        var idle = runs.Where(r => r.IdleRssKiB is not null).Select(r => (double)r.IdleRssKiB!.Value).Order().ToList();
        if (idle.Count > 0)
        {
            Console.WriteLine($"idle rss     median {Format.KiB((long)Median(idle))} (1 s after first 2xx; process tree {Format.KiB(runs.Last(r => r.IdleRssKiB is not null).IdleTreeRssKiB)})");
        }

        foreach (var r in runs.Where(r => r.Error is not null))
        {
            Console.WriteLine($"  run {r.Run} error: {r.Error}");
        }
    }

    private static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static void WriteJson(Options o, List<ColdStartRun>? runs, LoadResult? load)
    {
        if (o.JsonPath is null)
        {
            return;
        }

        using var stream = File.Create(o.JsonPath);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("endpoint", o.Endpoint.ToString());
        w.WriteString("scenario", o.Scenario);
        w.WriteString("timestampUtc", DateTimeOffset.UtcNow);
        w.WriteStartObject("machine");
        w.WriteNumber("processorCount", Environment.ProcessorCount);
        w.WriteString("os", RuntimeInformation.OSDescription);
        w.WriteString("driverRuntime", RuntimeInformation.FrameworkDescription);
        w.WriteEndObject();
        if (runs is not null)
        {
            w.WriteStartObject("coldStart");
            w.WriteString("command", o.ColdStartCommand);
            var ok = runs.Where(r => r.Error is null).Select(r => r.MillisToFirst2xx).Order().ToList();
            if (ok.Count > 0)
            {
                w.WriteNumber("medianMs", Math.Round(Median(ok), 1));
            }

            w.WriteStartArray("runs");
            foreach (var r in runs)
            {
                w.WriteStartObject();
                w.WriteNumber("run", r.Run);
                if (r.Error is null)
                {
                    w.WriteNumber("msToFirst2xx", Math.Round(r.MillisToFirst2xx, 1));
                }

                w.WriteNumber("attempts", r.Attempts);
                WriteOptional(w, "idleRssKiB", r.IdleRssKiB);
                WriteOptional(w, "idleTreeRssKiB", r.IdleTreeRssKiB);
                if (r.Error is not null)
                {
                    w.WriteString("error", r.Error);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        if (load is not null)
        {
            var h = load.Latency;
            w.WriteStartObject("load");
            w.WriteNumber("connections", load.Connections);
            w.WriteNumber("warmupSeconds", o.Warmup.TotalSeconds);
            w.WriteNumber("measuredSeconds", load.MeasuredSeconds);
            w.WriteNumber("requests", load.Requests);
            w.WriteNumber("requestsPerSecond", Math.Round(load.RequestsPerSecond, 1));
            w.WriteStartObject("latencyMicros");
            w.WriteNumber("min", h.Count == 0 ? 0 : h.Min);
            w.WriteNumber("mean", Math.Round(h.Mean, 1));
            w.WriteNumber("p50", h.Percentile(50));
            w.WriteNumber("p90", h.Percentile(90));
            w.WriteNumber("p99", h.Percentile(99));
            w.WriteNumber("p999", h.Percentile(99.9));
            w.WriteNumber("max", h.Max);
            w.WriteEndObject();
            w.WriteNumber("non2xx", load.Non2xx);
            w.WriteNumber("transportErrors", load.TransportErrors);
            w.WriteStartObject("statusCounts");
            foreach (var (status, count) in load.StatusCounts)
            {
                w.WriteNumber(status.ToString(CultureInfo.InvariantCulture), count);
            }

            w.WriteEndObject();
            w.WriteStartArray("errors");
            foreach (string e in load.DistinctErrors)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            WriteOptional(w, "rssIdleKiB", load.RssIdleKiB);
            WriteOptional(w, "rssMaxKiB", load.RssMaxKiB);
            WriteOptional(w, "rssTreeMaxKiB", load.RssTreeMaxKiB);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v)
        {
            w.WriteNumber(name, v);
        }
    }
}
