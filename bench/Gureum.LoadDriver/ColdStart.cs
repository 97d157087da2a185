using System.Diagnostics;

namespace Gureum.LoadDriver;

internal sealed record ColdStartRun(int Run, double MillisToFirst2xx, long Attempts, long? IdleRssKiB, long? IdleTreeRssKiB, string? Error);

/// <summary>
/// Launches the server (`/bin/sh -c "exec CMD"`, so a plain command's pid is the server itself),
/// polls the scenario's probe request until the first 2xx, records the time from just before
/// process start, measures idle RSS one second later, optionally runs a load phase (last run
/// only), then kills the whole process tree and waits for the port to close.
/// </summary>
internal sealed class ColdStart(Options options, Scenario scenario, Credentials credentials)
{
    public async Task<(List<ColdStartRun> Runs, LoadResult? Load)> RunAsync(CancellationToken ct)
    {
        var runs = new List<ColdStartRun>();
        LoadResult? load = null;
        for (int run = 1; run <= options.Runs; run++)
        {
            if (await AnswersAsync(ct))
            {
                throw new InvalidOperationException($"{options.Endpoint} already answers before the server was launched; stop it first (the measurement would be meaningless).");
            }

            bool loadThisRun = run == options.Runs && !options.NoLoad;
            var (result, loadResult) = await OneRunAsync(run, loadThisRun, ct);
            runs.Add(result);
            load ??= loadResult;
            Console.Error.WriteLine(result.Error is null
                ? $"  run {run}: {result.MillisToFirst2xx:F1} ms to first 2xx ({result.Attempts} attempts), idle RSS {Format.KiB(result.IdleRssKiB)}"
                : $"  run {run}: FAILED: {result.Error}");
        }

        return (runs, load);
    }

    private async Task<(ColdStartRun, LoadResult?)> OneRunAsync(int run, bool withLoad, CancellationToken ct)
    {
        var ctx = new ScenarioContext(options.Endpoint, (_, _) => throw new InvalidOperationException("not used for probes"));
        var probe = PreparedRequest.Create(scenario.Probe(ctx), options.Endpoint, credentials, options.Region, DateTimeOffset.UtcNow);
        using var pollClient = PreparedRequest.CreateClient(1, TimeSpan.FromSeconds(1));
        var output = new OutputTail();

        var psi = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec " + options.ColdStartCommand);

        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);

        long attempts = 0;
        string? lastError = null;
        long started = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            double? elapsedMs = null;
            while (Stopwatch.GetElapsedTime(started) < options.ColdStartTimeout)
            {
                if (process.HasExited)
                {
                    return (new ColdStartRun(run, double.NaN, attempts, null, null, $"server exited with code {process.ExitCode}; output tail: {output}"), null);
                }

                attempts++;
                try
                {
                    using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    attemptCts.CancelAfter(TimeSpan.FromSeconds(5));
                    var (status, body) = await PreparedRequest.SendOnceAsync(pollClient, probe, attemptCts.Token);
                    if (status is >= 200 and <= 299)
                    {
                        elapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                        break;
                    }

                    lastError = $"HTTP {status}: {ScenarioContext.Truncate(body, 300)}";
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
                {
                    lastError = ex.Message;
                }

                if (options.PollIntervalMs > 0)
                {
                    Thread.Sleep(options.PollIntervalMs); // ~1 ms granularity on Linux; leaves the CPU to the starting server
                }
            }

            if (elapsedMs is null)
            {
                return (new ColdStartRun(run, double.NaN, attempts, null, null, $"no 2xx within {options.ColdStartTimeout.TotalSeconds}s; last: {lastError}; output tail: {output}"), null);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            long? idle = ProcInfo.RssKiB(process.Id);
            long? idleTree = ProcInfo.TreeRssKiB(process.Id);

            LoadResult? load = null;
            if (withLoad)
            {
                Console.Error.WriteLine($"  run {run}: load phase ({options.Scenario}, {options.Connections} connections, {options.Duration.TotalSeconds}s)");
                load = await Program.RunLoadAsync(options, scenario, credentials, process.Id, ct);
                load.RssIdleKiB = idle;
            }

            return (new ColdStartRun(run, elapsedMs.Value, attempts, idle, idleTree, null), load);
        }
        finally
        {
            await StopAsync(process, ct);
        }
    }

    private async Task StopAsync(Process process, CancellationToken ct)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await process.WaitForExitAsync(ct);

        // A child that outlived the kill (or a slow socket close) must not answer the next run's probe.
        var deadline = Stopwatch.GetTimestamp() + 10 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline && await AnswersAsync(ct))
        {
            await Task.Delay(50, ct);
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken ct)
    {
        using var client = PreparedRequest.CreateClient(1, TimeSpan.FromSeconds(1));
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await client.GetAsync(options.Endpoint, cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed class OutputTail
    {
        private readonly Queue<string> _lines = new();

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > 15)
                {
                    _lines.Dequeue();
                }
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join(" | ", _lines);
            }
        }
    }
}
