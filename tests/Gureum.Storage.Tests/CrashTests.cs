using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;

namespace Gureum.Storage.Tests;

/// <summary>kill -9 a process that is committing, then check every acknowledged write survived intact.</summary>
public sealed class CrashTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Acknowledged_commits_and_blobs_survive_sigkill()
    {
        var probe = Path.Combine(AppContext.BaseDirectory, "Gureum.Storage.CrashProbe.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "exec", probe, "run", _dir.Path }) psi.ArgumentList.Add(a);

        var acked = new HashSet<long>();
        using (var child = Process.Start(psi)!)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                while (acked.Count < 300)
                {
                    var line = await child.StandardOutput.ReadLineAsync(timeout.Token)
                        ?? throw new InvalidOperationException("probe exited early: " + await child.StandardError.ReadToEndAsync());
                    acked.Add(long.Parse(line.AsSpan(4), CultureInfo.InvariantCulture));
                }
            }
            finally
            {
                child.Kill(); // SIGKILL on Unix: no finalizers, no flush, no checkpoint
            }
            // Acks already in the pipe were printed after their commit returned, so they count too.
            string? rest;
            while ((rest = await child.StandardOutput.ReadLineAsync()) is not null)
                if (rest.StartsWith("ack ", StringComparison.Ordinal)) acked.Add(long.Parse(rest.AsSpan(4), CultureInfo.InvariantCulture));
            await child.WaitForExitAsync();
        }

        var (state, blobs) = StorageFactory.OpenDurable(_dir.Path);
        await using (state)
        {
            var items = new Dictionary<long, string>();
            await foreach (var kv in state.ScanAsync("probe/items", ScanRange.All))
                items[long.Parse(kv.Key, CultureInfo.InvariantCulture)] = Encoding.UTF8.GetString(kv.Value);
            var index = new HashSet<long>();
            await foreach (var kv in state.ScanAsync("probe/index", ScanRange.All)) index.Add(long.Parse(kv.Key, CultureInfo.InvariantCulture));

            Assert.DoesNotContain(acked, n => !items.ContainsKey(n));
            Assert.Equal(items.Keys.Order(), index.Order()); // cross-table batches: both rows or neither

            foreach (var (n, v) in items)
            {
                var parts = v.Split(':');
                var expected = Blob(n);
                Assert.Equal(expected.Length, long.Parse(parts[1], CultureInfo.InvariantCulture));
                await using var s = blobs.OpenRead(parts[0]);
                var back = new byte[s.Length];
                s.ReadExactly(back);
                Assert.Equal(expected, back);
            }
            Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "blobs", "tmp"))); // torn temp files cleaned
        }
    }

    // Same generator as the probe's ProbeData.Blob.
    private static byte[] Blob(long n)
    {
        var data = new byte[4096 + (int)(n % 64) * 1024];
        for (int i = 0; i < data.Length; i++) data[i] = (byte)(n * 31 + i);
        return data;
    }
}
