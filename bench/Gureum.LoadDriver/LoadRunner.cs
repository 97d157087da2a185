using System.Diagnostics;
using System.Text;

namespace Gureum.LoadDriver;

internal sealed class LoadResult
{
    public required int Connections { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required LatencyHistogram Latency { get; init; }
    public required long Non2xx { get; init; }
    public required long TransportErrors { get; init; }
    public required SortedDictionary<int, long> StatusCounts { get; init; }
    public required IReadOnlyList<string> DistinctErrors { get; init; }
    public long? RssMaxKiB { get; set; }
    public long? RssTreeMaxKiB { get; set; }
    public long? RssIdleKiB { get; set; }

    public long Requests => Latency.Count;
    public double RequestsPerSecond => MeasuredSeconds <= 0 ? 0 : Requests / MeasuredSeconds;
}

/// <summary>
/// Closed-loop load: N workers, each with one request in flight at a time over a shared
/// SocketsHttpHandler with MaxConnectionsPerServer = N, so N keep-alive connections.
/// Requests that start during warm-up or end after the deadline are not counted.
/// </summary>
internal sealed class LoadRunner(HttpClient client, RequestHolder request, int connections, TimeSpan warmup, TimeSpan duration)
{
    private const int MaxDistinctErrors = 5;
    private readonly List<string> _errors = [];
    private readonly Lock _errorLock = new();

    public async Task<LoadResult> RunAsync(CancellationToken ct)
    {
        long t0 = Stopwatch.GetTimestamp();
        long measureStart = t0 + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        long measureEnd = measureStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        hardStop.CancelAfter(warmup + duration + TimeSpan.FromSeconds(10));

        var workers = new Worker[connections];
        var tasks = new Task[connections];
        for (int i = 0; i < connections; i++)
        {
            workers[i] = new Worker();
            Worker w = workers[i];
            tasks[i] = Task.Run(() => RunWorkerAsync(w, measureStart, measureEnd, hardStop.Token), CancellationToken.None);
        }

        var progress = Task.Run(() => ReportProgressAsync(workers, t0, measureEnd, hardStop.Token), CancellationToken.None);
        await Task.WhenAll(tasks);
        await progress;

        var histogram = new LatencyHistogram();
        var statuses = new SortedDictionary<int, long>();
        long non2xx = 0, transport = 0;
        foreach (var w in workers)
        {
            histogram.Add(w.Histogram);
            non2xx += w.Non2xx;
            transport += w.TransportErrors;
            for (int s = 0; s < w.StatusCounts.Length; s++)
            {
                if (w.StatusCounts[s] > 0)
                {
                    statuses[s] = statuses.GetValueOrDefault(s) + w.StatusCounts[s];
                }
            }
        }

        lock (_errorLock)
        {
            return new LoadResult
            {
                Connections = connections,
                MeasuredSeconds = duration.TotalSeconds,
                Latency = histogram,
                Non2xx = non2xx,
                TransportErrors = transport,
                StatusCounts = statuses,
                DistinctErrors = [.. _errors],
            };
        }
    }

    private async Task RunWorkerAsync(Worker w, long measureStart, long measureEnd, CancellationToken ct)
    {
        byte[] drain = new byte[16 * 1024];
        while (!ct.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            if (start >= measureEnd)
            {
                return;
            }

            int status;
            try
            {
                using var message = request.Current.CreateMessage();
                using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
                status = (int)response.StatusCode;
                await using var stream = await response.Content.ReadAsStreamAsync(ct);
                if (status is >= 200 and <= 299)
                {
                    while (await stream.ReadAsync(drain, ct) > 0)
                    {
                    }
                }
                else
                {
                    NoteError($"HTTP {status}: {await ReadErrorBodyAsync(stream, drain, ct)}");
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                w.TransportErrors += Stopwatch.GetTimestamp() >= measureStart ? 1 : 0;
                NoteError($"transport: {ex.GetType().Name}: {ex.Message}");
                await Task.Delay(10, CancellationToken.None); // don't spin on a dead server
                continue;
            }

            long end = Stopwatch.GetTimestamp();
            w.Completed++;
            if (start < measureStart || end > measureEnd)
            {
                continue;
            }

            w.Histogram.Record((end - start) * 1_000_000 / Stopwatch.Frequency);
            w.StatusCounts[Math.Clamp(status, 0, w.StatusCounts.Length - 1)]++;
            if (status is < 200 or > 299)
            {
                w.Non2xx++;
            }
        }
    }

    private static async Task<string> ReadErrorBodyAsync(Stream stream, byte[] buffer, CancellationToken ct)
    {
        int total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total), ct)) > 0)
        {
            total += read;
            if (total == buffer.Length)
            {
                while (await stream.ReadAsync(buffer.AsMemory(0, 1024), ct) > 0)
                {
                }

                break;
            }
        }

        return ScenarioContext.Truncate(Encoding.UTF8.GetString(buffer, 0, Math.Min(total, buffer.Length)).ReplaceLineEndings(" "), 400);
    }

    private void NoteError(string error)
    {
        lock (_errorLock)
        {
            if (_errors.Count < MaxDistinctErrors && !_errors.Contains(error))
            {
                _errors.Add(error);
            }
        }
    }

    private static async Task ReportProgressAsync(Worker[] workers, long t0, long measureEnd, CancellationToken ct)
    {
        long last = 0;
        while (Stopwatch.GetTimestamp() < measureEnd && !ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1000, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            long now = 0;
            foreach (var w in workers)
            {
                now += Volatile.Read(ref w.Completed);
            }

            double elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            Console.Error.WriteLine($"  [{elapsed,5:F1}s] {now - last,8} req/s");
            last = now;
        }
    }

    private sealed class Worker
    {
        public readonly LatencyHistogram Histogram = new();
        public readonly long[] StatusCounts = new long[600];
        public long Completed;
        public long Non2xx;
        public long TransportErrors;
    }
}
