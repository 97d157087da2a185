using System.Runtime.CompilerServices;

namespace Gureum.Storage.InMemory;

/// <summary>
/// Same semantics as the durable store, kept in sorted sets of UTF-8 keys. One reader/writer lock over
/// everything makes multi-table batches atomic; scans copy their results under the read lock (snapshot).
/// </summary>
public sealed class InMemoryStateStore : IStateStore
{
    private sealed class Entry(byte[] keyBytes, string key, byte[] value)
    {
        public byte[] KeyBytes { get; } = keyBytes;
        public string Key { get; } = key;
        public byte[] Value { get; set; } = value;
    }

    private sealed class EntryComparer : IComparer<Entry>
    {
        public static readonly EntryComparer Instance = new();
        public int Compare(Entry? x, Entry? y) => KeyCodec.Compare(x!.KeyBytes, y!.KeyBytes);
    }

    private readonly Dictionary<string, SortedSet<Entry>> _tables = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private volatile bool _disposed;

    public ValueTask<byte[]?> GetAsync(string table, string key, CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        var probe = Probe(KeyCodec.Encode(key));
        ThrowIfDisposed();
        _lock.EnterReadLock();
        try
        {
            return ValueTask.FromResult(Find(table, probe)?.Value.AsSpan().ToArray());
        }
        finally { _lock.ExitReadLock(); }
    }

    public async IAsyncEnumerable<KeyValuePair<string, byte[]>> ScanAsync(
        string table, ScanRange range, [EnumeratorCancellation] CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        if (!KeyCodec.TryResolve(range, out var lo, out var hi)) yield break;
        ThrowIfDisposed();
        var results = new List<KeyValuePair<string, byte[]>>();
        _lock.EnterReadLock();
        try
        {
            foreach (var e in Range(table, lo, hi, range.Descending))
            {
                results.Add(new(e.Key, e.Value.AsSpan().ToArray()));
                if (results.Count == range.Limit) break;
            }
        }
        finally { _lock.ExitReadLock(); }

        foreach (var kv in results)
        {
            ct.ThrowIfCancellationRequested();
            yield return kv;
        }
        await Task.CompletedTask; // async iterator shape shared with the durable store
    }

    public ValueTask<bool> CommitAsync(WriteBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ct.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        _lock.EnterWriteLock();
        try
        {
            foreach (var p in batch.Preconditions)
            {
                if (!p.IsSatisfiedBy(Find(p.Table, Probe(p.KeyBytes))?.Value)) return ValueTask.FromResult(false);
            }
            foreach (var op in batch.Operations)
            {
                if (op.Kind == WriteKind.Put) Put(op);
                else if (_tables.TryGetValue(op.Table, out var set)) set.Remove(Probe(op.KeyBytes));
            }
            return ValueTask.FromResult(true);
        }
        finally { _lock.ExitWriteLock(); }
    }

    public ValueTask<long> CountAsync(string table, string? prefix = null, CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        if (!KeyCodec.TryResolve(new ScanRange { Prefix = prefix }, out var lo, out var hi)) return ValueTask.FromResult(0L);
        ThrowIfDisposed();
        _lock.EnterReadLock();
        try
        {
            if (prefix is null or "") return ValueTask.FromResult((long)(_tables.GetValueOrDefault(table)?.Count ?? 0));
            long n = 0;
            foreach (var unused in Range(table, lo, hi, descending: false)) n++;
            return ValueTask.FromResult(n);
        }
        finally { _lock.ExitReadLock(); }
    }

    public ValueTask DropAllAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        _lock.EnterWriteLock();
        try { _tables.Clear(); }
        finally { _lock.ExitWriteLock(); }
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }

    private static Entry Probe(byte[] keyBytes) => new(keyBytes, "", []);

    private Entry? Find(string table, Entry probe) =>
        _tables.TryGetValue(table, out var set) && set.TryGetValue(probe, out var e) ? e : null;

    private void Put(WriteOp op)
    {
        if (!_tables.TryGetValue(op.Table, out var set))
        {
            set = new SortedSet<Entry>(EntryComparer.Instance);
            _tables.Add(op.Table, set);
        }
        // Copy: the in-memory store must not alias caller arrays (the durable store never does).
        var value = op.Value!.AsSpan().ToArray();
        if (set.TryGetValue(Probe(op.KeyBytes), out var existing)) existing.Value = value;
        else set.Add(new Entry(op.KeyBytes, op.Key, value));
    }

    private IEnumerable<Entry> Range(string table, byte[] lo, byte[]? hi, bool descending)
    {
        if (!_tables.TryGetValue(table, out var set) || set.Count == 0) return [];
        // GetViewBetween is inclusive on both ends; the exclusive upper bound is filtered below.
        var upper = hi is null ? set.Max! : Probe(hi);
        if (KeyCodec.Compare(lo, upper.KeyBytes) > 0) return [];
        var view = set.GetViewBetween(Probe(lo), upper);
        IEnumerable<Entry> ordered = descending ? view.Reverse() : view;
        return hi is null ? ordered : ordered.Where(e => KeyCodec.Compare(e.KeyBytes, hi) < 0);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
