using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace Gureum.Storage.Sqlite;

/// <summary>
/// Durable state in SQLite (WAL, synchronous=FULL). All writes go through one writer thread that does
/// GROUP COMMIT: it drains every queued batch into one transaction (one fsync for all of them), checks each
/// batch's preconditions in queue order under a savepoint, then acknowledges them together. Reads use a
/// pool of read-only connections; each read sees every write acknowledged before it began.
/// </summary>
public sealed class SqliteStateStore : IStateStore
{
    private const int MaxGroup = 2048;
    private const int MaxIdleReaders = 16;

    private readonly string _connectionString;
    private readonly BlockingCollection<WorkItem> _queue = new(new ConcurrentQueue<WorkItem>());
    private readonly ConcurrentBag<ReadConnection> _readers = [];
    private readonly Thread _writerThread;
    private readonly Writer _writer;
    private readonly IDisposable? _ownedLock;
    private int _disposed;

    private SqliteStateStore(string connectionString, Writer writer, IDisposable? ownedLock)
    {
        _connectionString = connectionString;
        _writer = writer;
        _ownedLock = ownedLock;
        _writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "gureum-state-writer" };
        _writerThread.Start();
    }

    /// <summary>Opens (creating or migrating) the store at <paramref name="dbPath"/>.</summary>
    /// <param name="ownedLock">Released when the store is disposed (the data-directory lock).</param>
    public static SqliteStateStore Open(string dbPath, IDisposable? ownedLock = null)
    {
        // Explicit init: Microsoft.Data.Sqlite otherwise finds the native provider by reflection, which AOT trims.
        SQLitePCL.Batteries_V2.Init();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dbPath))!);
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = dbPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false, // we pool ourselves; SQLite's own pool would keep files open after Dispose
        }.ToString();
        var writer = new Writer(cs);
        try
        {
            StoreFormat.OpenOrCreate(writer.Connection);
            return new SqliteStateStore(cs, writer, ownedLock);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    public ValueTask<byte[]?> GetAsync(string table, string key, CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        var k = KeyCodec.Encode(key);
        var rc = Rent();
        try
        {
            rc.Get.Parameters[0].Value = table;
            rc.Get.Parameters[1].Value = k;
            using var reader = rc.Get.ExecuteReader();
            return ValueTask.FromResult(reader.Read() ? ReadBlob(reader, 0) : null);
        }
        finally { Return(rc); }
    }

    public async IAsyncEnumerable<KeyValuePair<string, byte[]>> ScanAsync(
        string table, ScanRange range, [EnumeratorCancellation] CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        if (!KeyCodec.TryResolve(range, out var lo, out var hi)) yield break;
        var rc = Rent();
        try
        {
            var cmd = rc.Scan(range.Descending, hi is not null);
            cmd.Parameters["$t"].Value = table;
            cmd.Parameters["$lo"].Value = lo;
            if (hi is not null) cmd.Parameters["$hi"].Value = hi;
            cmd.Parameters["$n"].Value = range.Limit ?? -1L;
            // One statement = one read transaction = one snapshot, however slowly the caller consumes it.
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                yield return new(KeyCodec.Decode(ReadBlob(reader, 0)), ReadBlob(reader, 1));
            }
        }
        finally { Return(rc); }
        await Task.CompletedTask;
    }

    public ValueTask<long> CountAsync(string table, string? prefix = null, CancellationToken ct = default)
    {
        KeyCodec.CheckTable(table);
        if (!KeyCodec.TryResolve(new ScanRange { Prefix = prefix }, out var lo, out var hi)) return ValueTask.FromResult(0L);
        var rc = Rent();
        try
        {
            var cmd = rc.Count(hi is not null);
            cmd.Parameters["$t"].Value = table;
            cmd.Parameters["$lo"].Value = lo;
            if (hi is not null) cmd.Parameters["$hi"].Value = hi;
            return ValueTask.FromResult((long)cmd.ExecuteScalar()!);
        }
        finally { Return(rc); }
    }

    public ValueTask<bool> CommitAsync(WriteBatch batch, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ct.ThrowIfCancellationRequested();
        var item = new WorkItem(batch, ct);
        Enqueue(item);
        return new ValueTask<bool>(item.Completion.Task);
    }

    public async ValueTask DropAllAsync(CancellationToken ct = default)
    {
        var item = new WorkItem(null, ct);
        Enqueue(item);
        await item.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _queue.CompleteAdding();
        // The writer drains what was queued before shutdown, so acknowledged-or-pending commits are not dropped.
        await Task.Run(_writerThread.Join);
        _writer.Dispose();
        while (_readers.TryTake(out var rc)) rc.Dispose();
        _queue.Dispose();
        _ownedLock?.Dispose();
    }

    private void Enqueue(WorkItem item)
    {
        try
        {
            _queue.Add(item);
        }
        catch (InvalidOperationException)
        {
            throw new ObjectDisposedException(nameof(SqliteStateStore));
        }
    }

    private void WriterLoop()
    {
        var group = new List<WorkItem>(64);
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            group.Add(first);
            while (group.Count < MaxGroup && _queue.TryTake(out var next)) group.Add(next);
            _writer.ApplyGroup(group);
            group.Clear();
        }
    }

    private ReadConnection Rent()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _readers.TryTake(out var rc) ? rc : new ReadConnection(_connectionString);
    }

    private void Return(ReadConnection rc)
    {
        if (Volatile.Read(ref _disposed) != 0 || _readers.Count >= MaxIdleReaders) rc.Dispose();
        else _readers.Add(rc);
    }

    internal static byte[] ReadBlob(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? [] : (byte[])reader.GetValue(ordinal);
}
