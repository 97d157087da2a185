using System.Diagnostics;
using Gureum.Storage.Blobs;
using Gureum.Storage.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace Gureum.Storage.Tests;

/// <summary>Quick throughput figures (printed; asserted only against generous floors so CI noise can't fail them).</summary>
[Trait("Category", "Bench")]
public sealed class BenchTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Group_commit_with_64_concurrent_committers()
    {
        await using var store = SqliteStateStore.Open(Path.Combine(_dir.Path, "state", "gureum.db"));
        long total = 0;
        var sw = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(3);
        await Task.WhenAll(Enumerable.Range(0, 64).Select(w => Task.Run(async () =>
        {
            var value = new byte[100];
            for (int i = 0; sw.Elapsed < until; i++)
            {
                await store.CommitAsync(new WriteBatch().Put("bench", $"{w:D2}/{i:D8}", value));
                Interlocked.Increment(ref total);
            }
        })));
        var rate = total / sw.Elapsed.TotalSeconds;
        output.WriteLine($"BENCH durable commits/s (64 concurrent committers, 1 small put each): {rate:F0}");
        Assert.Equal(total, await store.CountAsync("bench"));
        Assert.True(rate > 200, $"{rate:F0} commits/s");
    }

    [Fact]
    public async Task Blob_write_100MB()
    {
        var store = new FileBlobStore(Path.Combine(_dir.Path, "blobs"));
        var data = new byte[100 * 1024 * 1024];
        new Random(7).NextBytes(data);
        await store.WriteAsync(new MemoryStream(data, 0, 1024 * 1024)); // warm-up
        var sw = Stopwatch.StartNew();
        var info = await store.WriteAsync(new MemoryStream(data));
        var mbps = data.Length / (1024.0 * 1024.0) / sw.Elapsed.TotalSeconds;
        output.WriteLine($"BENCH blob write 100 MiB incl. fsync: {mbps:F0} MiB/s ({sw.ElapsedMilliseconds} ms)");
        Assert.Equal(data.Length, info.Length);
        Assert.True(mbps > 20, $"{mbps:F0} MiB/s");
    }
}
