using System.Text;
using Gureum.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Gureum.Storage.Tests;

public sealed class FormatTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void CopyDir(string from, string to)
    {
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }

    private static string Meta(string db, string key)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key=$k";
        cmd.Parameters.AddWithValue("$k", key);
        return (string)cmd.ExecuteScalar()!;
    }

    private static void SetMeta(string db, string key, string value)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE meta SET value=$v WHERE key=$k";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    // The "store written by the previous format" test: must keep passing when format v2 arrives.
    [Fact]
    public async Task Opens_store_written_by_format_v1()
    {
        CopyDir(Path.Combine(AppContext.BaseDirectory, "fixtures", "format-v1"), _dir.Path);
        var (state, blobs) = StorageFactory.OpenDurable(_dir.Path);
        await using (state)
        {
            const string t = "s3/objects/000000000000/us-east-1";
            var blobId = Bytes.Str(await state.GetAsync(t, "bucket/a"));
            Assert.Equal("4c2057f3fa4c39fe1a1336414b397a94", blobId);
            Assert.Equal([1, 2, 3], await state.GetAsync(t, "bucket/a/b"));
            Assert.Equal(Array.Empty<byte>(), await state.GetAsync(t, "bucket/😀"));
            Assert.Equal("{\"visibility\":30}", Bytes.Str(await state.GetAsync("sqs/queues", "q1")));
            var keys = new List<string>();
            await foreach (var kv in state.ScanAsync(t, ScanRange.WithPrefix("bucket/"))) keys.Add(kv.Key);
            Assert.Equal(["bucket/a", "bucket/a/b", "bucket/😀"], keys);

            await using var s = blobs.OpenRead(blobId);
            using var r = new StreamReader(s, Encoding.UTF8);
            Assert.Equal("hello from format v1", await r.ReadToEndAsync());

            // The old store stays writable after being opened (and migrated, once there is a v2).
            Assert.True(await state.CommitAsync(new WriteBatch().Put("sqs/queues", "q2", [2])));
        }
        Assert.Equal(StoreFormat.CurrentVersion.ToString(), Meta(Path.Combine(_dir.Path, "state", "gureum.db"), "format_version"));
    }

    [Fact]
    public async Task New_store_records_format_and_writer_version()
    {
        var (state, _) = StorageFactory.OpenDurable(_dir.Path);
        await state.DisposeAsync();
        var db = Path.Combine(_dir.Path, "state", "gureum.db");
        Assert.Equal("1", Meta(db, "format_version"));
        Assert.Equal(StoreFormat.ProductVersion, Meta(db, "created_by"));
        Assert.Equal(StoreFormat.ProductVersion, Meta(db, "last_writer"));
    }

    [Fact]
    public async Task Newer_format_is_refused_and_left_untouched()
    {
        var (state, _) = StorageFactory.OpenDurable(_dir.Path);
        await state.CommitAsync(new WriteBatch().Put("t", "k", [1]));
        await state.DisposeAsync();
        var db = Path.Combine(_dir.Path, "state", "gureum.db");
        SetMeta(db, "format_version", "99");
        SetMeta(db, "last_writer", "9.9.9");

        var ex = Assert.Throws<StoreFormatException>(() => StorageFactory.OpenDurable(_dir.Path));
        Assert.Contains("format version 99", ex.Message);
        Assert.Contains("9.9.9", ex.Message);
        Assert.Equal("99", Meta(db, "format_version"));

        // The failed open released the directory lock.
        SetMeta(db, "format_version", "1");
        var (again, _) = StorageFactory.OpenDurable(_dir.Path);
        await again.DisposeAsync();
    }

    [Fact]
    public async Task Data_directory_is_locked_while_open()
    {
        var (state, _) = StorageFactory.OpenDurable(_dir.Path);
        await using (state)
        {
            var ex = Assert.Throws<IOException>(() => StorageFactory.OpenDurable(_dir.Path));
            Assert.Contains("in use", ex.Message);
        }
        var (second, _) = StorageFactory.OpenDurable(_dir.Path);
        await second.DisposeAsync();
    }
}
