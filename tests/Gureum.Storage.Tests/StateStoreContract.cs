using Gureum.Storage.InMemory;
using Gureum.Storage.Sqlite;
using Xunit;

namespace Gureum.Storage.Tests;

/// <summary>Behaviour every IStateStore backend must share; each backend runs it via a subclass.</summary>
public abstract class StateStoreContract : IAsyncLifetime
{
    protected IStateStore Store { get; private set; } = null!;

    protected abstract IStateStore Create();

    public Task InitializeAsync()
    {
        Store = Create();
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    private Task<bool> Put(string table, string key, string value) =>
        Store.CommitAsync(new WriteBatch().Put(table, key, Bytes.Of(value))).AsTask();

    private async Task<List<string>> Keys(string table, ScanRange range)
    {
        var keys = new List<string>();
        await foreach (var kv in Store.ScanAsync(table, range)) keys.Add(kv.Key);
        return keys;
    }

    [Fact]
    public async Task Get_put_overwrite_delete()
    {
        Assert.Null(await Store.GetAsync("t", "k"));
        Assert.True(await Put("t", "k", "v1"));
        Assert.Equal("v1", Bytes.Str(await Store.GetAsync("t", "k")));
        Assert.True(await Put("t", "k", "v2"));
        Assert.Equal("v2", Bytes.Str(await Store.GetAsync("t", "k")));
        Assert.Null(await Store.GetAsync("other", "k"));
        Assert.True(await Store.CommitAsync(new WriteBatch().Delete("t", "k")));
        Assert.Null(await Store.GetAsync("t", "k"));
        Assert.True(await Store.CommitAsync(new WriteBatch().Delete("t", "missing")));
    }

    [Fact]
    public async Task Empty_key_and_empty_value_round_trip()
    {
        Assert.True(await Store.CommitAsync(new WriteBatch().Put("t", "", []).Put("t", "x", [])));
        Assert.Equal(Array.Empty<byte>(), await Store.GetAsync("t", ""));
        Assert.Equal(Array.Empty<byte>(), await Store.GetAsync("t", "x"));
        Assert.Equal(["", "x"], await Keys("t", ScanRange.All));
    }

    [Fact]
    public async Task Returned_values_are_copies()
    {
        var value = Bytes.Of("abc");
        await Store.CommitAsync(new WriteBatch().Put("t", "k", value));
        var read = (await Store.GetAsync("t", "k"))!;
        read[0] = (byte)'X';
        Assert.Equal("abc", Bytes.Str(await Store.GetAsync("t", "k")));
    }

    // UTF-8 byte order = code point order. U+FF5E (3-byte) < U+1F600 (4-byte) although UTF-16 ordinal says otherwise.
    private static readonly string[] Ordered = ["", "A", "Z", "a", "a/", "a/b", "a0", "ab", "b", "é", "\uFF5E", "😀", "😀x"];

    [Fact]
    public async Task Scan_orders_by_utf8_bytes()
    {
        var batch = new WriteBatch();
        foreach (var k in Ordered.Reverse()) batch.Put("t", k, Bytes.Of(k));
        Assert.True(await Store.CommitAsync(batch));
        Assert.Equal(Ordered, await Keys("t", ScanRange.All));
        Assert.Equal(Ordered.Reverse(), await Keys("t", new ScanRange { Descending = true }));
        await foreach (var kv in Store.ScanAsync("t", ScanRange.All)) Assert.Equal(kv.Key, Bytes.Str(kv.Value));
    }

    [Fact]
    public async Task Scan_prefix_range_limit_descending()
    {
        var batch = new WriteBatch();
        foreach (var k in Ordered) batch.Put("t", k, Bytes.Of(k));
        batch.Put("u", "a/zzz", Bytes.Of("other table"));
        await Store.CommitAsync(batch);

        Assert.Equal(["a/", "a/b"], await Keys("t", ScanRange.WithPrefix("a/")));
        Assert.Equal(["a", "a/", "a/b", "a0", "ab"], await Keys("t", ScanRange.WithPrefix("a")));
        Assert.Equal(["😀", "😀x"], await Keys("t", ScanRange.WithPrefix("😀")));
        Assert.Equal(["ab", "a0", "a/b"], await Keys("t", new ScanRange { Prefix = "a", Descending = true, Limit = 3 }));
        Assert.Equal(["a/", "a/b", "a0"], await Keys("t", new ScanRange { FromKey = "a/", ToKeyExclusive = "ab" }));
        Assert.Equal(["a0", "a/b"], await Keys("t", new ScanRange { FromKey = "a/", ToKeyExclusive = "ab", Descending = true, Limit = 2 }));
        Assert.Equal(["a/b", "a0"], await Keys("t", new ScanRange { Prefix = "a", FromKey = "a/a", ToKeyExclusive = "ab" }));
        Assert.Equal(["b", "é"], await Keys("t", new ScanRange { FromKey = "ab\0", Limit = 2 }));
        Assert.Empty(await Keys("t", new ScanRange { FromKey = "b", ToKeyExclusive = "a" }));
        Assert.Empty(await Keys("t", new ScanRange { Prefix = "a", FromKey = "b" }));
        Assert.Empty(await Keys("t", new ScanRange { Limit = 0 }));
        Assert.Empty(await Keys("t", ScanRange.WithPrefix("zz")));
        Assert.Empty(await Keys("nope", ScanRange.All));
    }

    [Fact]
    public async Task Pagination_with_After_visits_every_key_once()
    {
        var batch = new WriteBatch();
        foreach (var k in Ordered) batch.Put("t", k, [1]);
        await Store.CommitAsync(batch);
        var seen = new List<string>();
        string? from = null;
        while (true)
        {
            var page = await Keys("t", new ScanRange { FromKey = from, Limit = 4 });
            seen.AddRange(page);
            if (page.Count < 4) break;
            from = ScanRange.After(page[^1]);
        }
        Assert.Equal(Ordered, seen);
    }

    [Fact]
    public async Task Count_with_and_without_prefix()
    {
        var batch = new WriteBatch();
        foreach (var k in Ordered) batch.Put("t", k, [1]);
        await Store.CommitAsync(batch);
        Assert.Equal(Ordered.Length, await Store.CountAsync("t"));
        Assert.Equal(5, await Store.CountAsync("t", "a"));
        Assert.Equal(0, await Store.CountAsync("t", "q"));
        Assert.Equal(0, await Store.CountAsync("empty"));
    }

    [Fact]
    public async Task Batch_across_tables_is_atomic_and_ordered()
    {
        Assert.True(await Store.CommitAsync(new WriteBatch()
            .Put("t1", "a", [1]).Put("t2", "b", [2]).Delete("t1", "a").Put("t1", "a", [3])));
        Assert.Equal([3], await Store.GetAsync("t1", "a"));
        Assert.Equal([2], await Store.GetAsync("t2", "b"));

        // A failed precondition anywhere means no op of the batch is applied, in any table.
        Assert.False(await Store.CommitAsync(new WriteBatch()
            .Put("t1", "x", [9]).Delete("t2", "b").RequireExists("t1", "a").RequireAbsent("t2", "b")));
        Assert.Null(await Store.GetAsync("t1", "x"));
        Assert.Equal([2], await Store.GetAsync("t2", "b"));
    }

    [Fact]
    public async Task Preconditions_exists_absent_value()
    {
        Assert.False(await Store.CommitAsync(new WriteBatch().RequireExists("t", "k").Put("t", "k", [1])));
        Assert.True(await Store.CommitAsync(new WriteBatch().RequireAbsent("t", "k").Put("t", "k", [1])));
        Assert.False(await Store.CommitAsync(new WriteBatch().RequireAbsent("t", "k").Put("t", "k", [2])));
        Assert.False(await Store.CommitAsync(new WriteBatch().RequireValue("t", "k", [7]).Put("t", "k", [2])));
        Assert.True(await Store.CommitAsync(new WriteBatch().RequireValue("t", "k", [1]).Put("t", "k", [2])));
        Assert.True(await Store.CommitAsync(new WriteBatch().RequireExists("t", "k").Delete("t", "k")));
        Assert.False(await Store.CommitAsync(new WriteBatch().RequireValue("t", "k", []).Put("t", "k", [3])));
        Assert.Null(await Store.GetAsync("t", "k"));
    }

    [Fact]
    public async Task Concurrent_conditional_creates_have_exactly_one_winner()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() =>
            Store.CommitAsync(new WriteBatch().RequireAbsent("locks", "L").Put("locks", "L", [(byte)i])).AsTask())));
        Assert.Single(results, r => r);
    }

    [Fact]
    public async Task Many_parallel_commits_all_land()
    {
        await Task.WhenAll(Enumerable.Range(0, 64).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < 50; i++)
                Assert.True(await Store.CommitAsync(new WriteBatch().Put("p", $"{w:D2}/{i:D3}", [(byte)w]).Put("q", $"{w:D2}/{i:D3}", [(byte)i])));
        })));
        Assert.Equal(64 * 50, await Store.CountAsync("p"));
        Assert.Equal(64 * 50, await Store.CountAsync("q"));
        Assert.Equal(50, await Store.CountAsync("p", "07/"));
    }

    [Fact]
    public async Task Concurrent_read_modify_write_with_value_precondition_loses_no_update()
    {
        await Store.CommitAsync(new WriteBatch().Put("c", "n", BitConverter.GetBytes(0)));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 25; i++)
            {
                while (true)
                {
                    var cur = (await Store.GetAsync("c", "n"))!;
                    var next = BitConverter.GetBytes(BitConverter.ToInt32(cur) + 1);
                    if (await Store.CommitAsync(new WriteBatch().RequireValue("c", "n", cur).Put("c", "n", next))) break;
                }
            }
        })));
        Assert.Equal(200, BitConverter.ToInt32((await Store.GetAsync("c", "n"))!));
    }

    [Fact]
    public async Task Drop_all_clears_every_table()
    {
        await Store.CommitAsync(new WriteBatch().Put("a", "1", [1]).Put("b", "2", [2]));
        await Store.DropAllAsync();
        Assert.Equal(0, await Store.CountAsync("a"));
        Assert.Null(await Store.GetAsync("b", "2"));
        Assert.True(await Put("a", "1", "again"));
        Assert.Equal("again", Bytes.Str(await Store.GetAsync("a", "1")));
    }

    [Fact]
    public async Task Invalid_input_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new WriteBatch().Put("t", "bad\uD800", [1]));
        Assert.ThrowsAny<ArgumentException>(() => new WriteBatch().Put("", "k", [1]));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await Store.GetAsync("t", "\uDC00"));
        await Assert.ThrowsAnyAsync<ArgumentException>(async () =>
        {
            await foreach (var unused in Store.ScanAsync("t", new ScanRange { Limit = -1 })) { }
        });
    }

    [Fact]
    public async Task Cancelled_token_before_commit_throws_and_writes_nothing()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Store.CommitAsync(new WriteBatch().Put("t", "k", [1]), cts.Token));
        Assert.Null(await Store.GetAsync("t", "k"));
    }
}

public sealed class InMemoryStateStoreTests : StateStoreContract
{
    protected override IStateStore Create() => new InMemoryStateStore();
}

public sealed class SqliteStateStoreTests : StateStoreContract
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "gureum-storage-" + Guid.NewGuid().ToString("N"));

    protected override IStateStore Create() => SqliteStateStore.Open(Path.Combine(_dir, "state", "gureum.db"));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Acknowledged_writes_survive_reopen()
    {
        await Store.CommitAsync(new WriteBatch().Put("t", "k", [42]));
        await Store.DisposeAsync();
        await using var reopened = SqliteStateStore.Open(Path.Combine(_dir, "state", "gureum.db"));
        Assert.Equal([42], await reopened.GetAsync("t", "k"));
    }
}
