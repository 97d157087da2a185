using Microsoft.Data.Sqlite;

namespace Gureum.Storage.Sqlite;

/// <summary>A pooled read-only connection with its statements prepared once (WAL lets many readers run beside the writer).</summary>
internal sealed class ReadConnection : IDisposable
{
    private readonly SqliteCommand?[] _scans = new SqliteCommand?[4];
    private readonly SqliteCommand?[] _counts = new SqliteCommand?[2];

    public ReadConnection(string connectionString)
    {
        Connection = new SqliteConnection(connectionString);
        Connection.Open();
        StoreFormat.Exec(Connection, "PRAGMA query_only=ON");
        StoreFormat.Exec(Connection, "PRAGMA busy_timeout=10000");
        Get = Command("SELECT v FROM kv WHERE tbl=$t AND k=$k");
    }

    public SqliteConnection Connection { get; }
    public SqliteCommand Get { get; }

    public SqliteCommand Scan(bool descending, bool bounded)
    {
        int i = (descending ? 2 : 0) + (bounded ? 1 : 0);
        return _scans[i] ??= Command(
            "SELECT k, v FROM kv WHERE tbl=$t AND k>=$lo" + (bounded ? " AND k<$hi" : "") +
            (descending ? " ORDER BY k DESC" : " ORDER BY k ASC") + " LIMIT $n");
    }

    public SqliteCommand Count(bool bounded) =>
        _counts[bounded ? 1 : 0] ??= Command("SELECT count(*) FROM kv WHERE tbl=$t AND k>=$lo" + (bounded ? " AND k<$hi" : ""));

    private SqliteCommand Command(string sql)
    {
        var cmd = Connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.Add("$t", SqliteType.Text);
        if (sql.Contains("$k", StringComparison.Ordinal)) cmd.Parameters.Add("$k", SqliteType.Blob);
        if (sql.Contains("$lo", StringComparison.Ordinal)) cmd.Parameters.Add("$lo", SqliteType.Blob);
        if (sql.Contains("$hi", StringComparison.Ordinal)) cmd.Parameters.Add("$hi", SqliteType.Blob);
        if (sql.Contains("$n", StringComparison.Ordinal)) cmd.Parameters.Add("$n", SqliteType.Integer);
        return cmd;
    }

    public void Dispose()
    {
        foreach (var c in _scans) c?.Dispose();
        foreach (var c in _counts) c?.Dispose();
        Get.Dispose();
        Connection.Dispose();
    }
}
