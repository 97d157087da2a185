using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Gureum.Storage.Sqlite;

/// <summary>
/// The on-disk format version lives in meta(key, value). Opening checks it before touching anything:
/// newer than this build → refuse (an old binary must never scribble over a newer store); older → migrate
/// step by step inside one transaction, so a crash mid-migration leaves the old version intact.
/// </summary>
internal static class StoreFormat
{
    public const int CurrentVersion = 1;

    public static string ProductVersion { get; } =
        typeof(StoreFormat).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    // Migrations[i] upgrades a store from version i+1 to i+2. Append only; never edit a shipped step.
    private static readonly Action<SqliteConnection>[] Migrations = [];

    public static void OpenOrCreate(SqliteConnection c)
    {
        Exec(c, "BEGIN IMMEDIATE");
        try
        {
            Exec(c, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            var stored = ReadMeta(c, "format_version");
            int version;
            if (stored is null)
            {
                if (TableExists(c, "kv")) throw new StoreFormatException("State store has data but no format_version; refusing to guess its format.");
                CreateCurrentSchema(c);
                WriteMeta(c, "created_by", ProductVersion);
                version = CurrentVersion;
            }
            else if (!int.TryParse(stored, NumberStyles.None, CultureInfo.InvariantCulture, out version) || version < 1)
            {
                throw new StoreFormatException($"State store has an unreadable format_version '{stored}'.");
            }

            if (version > CurrentVersion)
            {
                throw new StoreFormatException(
                    $"State store format version {version} (written by Gureum {ReadMeta(c, "last_writer") ?? "?"}) is newer " +
                    $"than this Gureum {ProductVersion} supports (format {CurrentVersion}). Upgrade Gureum or use another data directory.");
            }
            for (; version < CurrentVersion; version++) Migrations[version - 1](c);

            WriteMeta(c, "format_version", CurrentVersion.ToString(CultureInfo.InvariantCulture));
            WriteMeta(c, "last_writer", ProductVersion);
            Exec(c, "COMMIT");
        }
        catch
        {
            Exec(c, "ROLLBACK");
            throw;
        }
    }

    // Keys are BLOBs (UTF-8): SQLite compares BLOBs with memcmp, which is exactly the store's key order.
    private static void CreateCurrentSchema(SqliteConnection c) =>
        Exec(c, "CREATE TABLE kv(tbl TEXT NOT NULL, k BLOB NOT NULL, v BLOB NOT NULL, PRIMARY KEY(tbl, k)) WITHOUT ROWID");

    private static bool TableExists(SqliteConnection c, string name)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=$n";
        cmd.Parameters.AddWithValue("$n", name);
        return cmd.ExecuteScalar() is not null;
    }

    private static string? ReadMeta(SqliteConnection c, string key)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key=$k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    private static void WriteMeta(SqliteConnection c, string key, string value)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value=excluded.value";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    internal static void Exec(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
