using System.Globalization;

namespace Gureum.LoadDriver;

/// <summary>Reads resident memory from /proc (Linux only).</summary>
internal static class ProcInfo
{
    /// <summary>VmRSS of one process in KiB, or null when it is gone / not Linux.</summary>
    public static long? RssKiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    string number = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(number, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>Sum of VmRSS over the process and all its descendants (e.g. `dotnet run` → the app).</summary>
    public static long? TreeRssKiB(int pid)
    {
        long? total = null;
        foreach (int p in SelfAndDescendants(pid))
        {
            if (RssKiB(p) is long rss)
            {
                total = (total ?? 0) + rss;
            }
        }

        return total;
    }

    public static List<int> SelfAndDescendants(int pid)
    {
        var result = new List<int> { pid };
        for (int i = 0; i < result.Count; i++)
        {
            string taskDir = $"/proc/{result[i]}/task";
            if (!Directory.Exists(taskDir))
            {
                continue;
            }

            try
            {
                foreach (string task in Directory.EnumerateDirectories(taskDir))
                {
                    string children = Path.Combine(task, "children");
                    if (!File.Exists(children))
                    {
                        continue;
                    }

                    foreach (string c in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        int child = int.Parse(c, CultureInfo.InvariantCulture);
                        if (!result.Contains(child))
                        {
                            result.Add(child);
                        }
                    }
                }
            }
            catch (IOException)
            {
                // The process exited while we were walking it (DirectoryNotFound/FileNotFound are IOExceptions).
            }
        }

        return result;
    }
}

/// <summary>Samples a process's RSS every 100 ms in the background and keeps the maximum.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(int pid)
    {
        _pid = pid;
        _loop = Task.Run(LoopAsync);
    }

    public long? MaxKiB { get; private set; }
    public long? MaxTreeKiB { get; private set; }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample();
            try
            {
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Sample()
    {
        if (ProcInfo.RssKiB(_pid) is long rss && rss > (MaxKiB ?? 0))
        {
            MaxKiB = rss;
        }

        if (ProcInfo.TreeRssKiB(_pid) is long tree && tree > (MaxTreeKiB ?? 0))
        {
            MaxTreeKiB = tree;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Sample();
        _stop.Dispose();
    }
}
