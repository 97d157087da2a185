using Microsoft.Data.Sqlite;

namespace Gureum.Storage.Sqlite;

/// <summary>A queued commit (Batch) or drop-all (Batch == null), completed by the writer thread.</summary>
internal sealed class WorkItem(WriteBatch? batch, CancellationToken ct)
{
    public WriteBatch? Batch { get; } = batch;
    public CancellationToken Cancellation { get; } = ct;
    // Continuations must not run on the writer thread, or one slow caller would stall every commit.
    public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The single write connection and its prepared statements; used only by the writer thread.</summary>
internal sealed class Writer : IDisposable
{
    private readonly SqliteCommand _get, _put, _delete, _dropAll;

    public Writer(string connectionString)
    {
        Connection = new SqliteConnection(connectionString);
        Connection.Open();
        using (var cmd = Connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA journal_mode=WAL";
            if (cmd.ExecuteScalar() is not "wal") throw new StoreFormatException("SQLite refused WAL journal mode for the state store.");
        }
        // FULL: the WAL is fsynced at every commit, so an acknowledged batch survives power loss.
        StoreFormat.Exec(Connection, "PRAGMA synchronous=FULL");
        StoreFormat.Exec(Connection, "PRAGMA busy_timeout=10000");
        _get = Command("SELECT v FROM kv WHERE tbl=$t AND k=$k", withValue: false);
        _put = Command("INSERT INTO kv(tbl, k, v) VALUES($t, $k, $v) ON CONFLICT(tbl, k) DO UPDATE SET v=excluded.v", withValue: true);
        _delete = Command("DELETE FROM kv WHERE tbl=$t AND k=$k", withValue: false);
        _dropAll = Connection.CreateCommand();
        _dropAll.CommandText = "DELETE FROM kv";
    }

    public SqliteConnection Connection { get; }

    public void ApplyGroup(List<WorkItem> group)
    {
        var outcomes = new object?[group.Count]; // bool result, Exception, or null = cancelled
        try
        {
            StoreFormat.Exec(Connection, "BEGIN IMMEDIATE");
            for (int i = 0; i < group.Count; i++) outcomes[i] = Apply(group[i]);
            StoreFormat.Exec(Connection, "COMMIT");
        }
        catch (Exception ex)
        {
            // The transaction as a whole failed (e.g. disk full, I/O error at fsync): nothing is acknowledged.
            try { StoreFormat.Exec(Connection, "ROLLBACK"); } catch (SqliteException) { }
            foreach (var item in group) item.Completion.TrySetException(ex);
            return;
        }

        for (int i = 0; i < group.Count; i++)
        {
            var tcs = group[i].Completion;
            switch (outcomes[i])
            {
                case bool ok: tcs.TrySetResult(ok); break;
                case Exception ex: tcs.TrySetException(ex); break;
                default: tcs.TrySetCanceled(group[i].Cancellation); break;
            }
        }
    }

    // A savepoint per batch lets one failing batch roll back alone without aborting its group.
    private object? Apply(WorkItem item)
    {
        if (item.Cancellation.IsCancellationRequested) return null;
        if (item.Batch is null)
        {
            _dropAll.ExecuteNonQuery();
            return true;
        }
        StoreFormat.Exec(Connection, "SAVEPOINT b");
        try
        {
            bool ok = Preconditions(item.Batch);
            if (ok)
            {
                foreach (var op in item.Batch.Operations)
                {
                    var cmd = op.Kind == WriteKind.Put ? _put : _delete;
                    cmd.Parameters[0].Value = op.Table;
                    cmd.Parameters[1].Value = op.KeyBytes;
                    if (op.Kind == WriteKind.Put) cmd.Parameters[2].Value = op.Value;
                    cmd.ExecuteNonQuery();
                }
            }
            StoreFormat.Exec(Connection, "RELEASE b");
            return ok;
        }
        catch (SqliteException ex)
        {
            StoreFormat.Exec(Connection, "ROLLBACK TO b");
            StoreFormat.Exec(Connection, "RELEASE b");
            return ex;
        }
    }

    private bool Preconditions(WriteBatch batch)
    {
        foreach (var p in batch.Preconditions)
        {
            _get.Parameters[0].Value = p.Table;
            _get.Parameters[1].Value = p.KeyBytes;
            using var reader = _get.ExecuteReader();
            var current = reader.Read() ? SqliteStateStore.ReadBlob(reader, 0) : null;
            if (!p.IsSatisfiedBy(current)) return false;
        }
        return true;
    }

    private SqliteCommand Command(string sql, bool withValue)
    {
        var cmd = Connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add("$t", SqliteType.Text);
        cmd.Parameters.Add("$k", SqliteType.Blob);
        if (withValue) cmd.Parameters.Add("$v", SqliteType.Blob);
        return cmd;
    }

    public void Dispose()
    {
        _get.Dispose(); _put.Dispose(); _delete.Dispose(); _dropAll.Dispose();
        Connection.Dispose();
    }
}
