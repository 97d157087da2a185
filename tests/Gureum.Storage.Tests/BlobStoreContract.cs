using Gureum.Storage.Blobs;
using Gureum.Storage.InMemory;
using Xunit;

namespace Gureum.Storage.Tests;

public abstract class BlobStoreContract : IDisposable
{
    private protected TempDir Dir { get; } = new();
    private IBlobStore? _store;
    protected IBlobStore Store => _store ??= Create();

    protected abstract IBlobStore Create();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var b = new byte[length];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public async Task Write_read_seek_delete()
    {
        var data = Pattern(3 * 1024 * 1024 + 17, 1);
        var info = await Store.WriteAsync(new MemoryStream(data));
        Assert.Equal(data.Length, info.Length);
        Assert.Matches("^[0-9a-f]{32}$", info.Id);

        await using (var s = Store.OpenRead(info.Id))
        {
            Assert.True(s.CanSeek);
            Assert.Equal(data.Length, s.Length);
            s.Seek(1_000_000, SeekOrigin.Begin);
            var part = new byte[100];
            s.ReadExactly(part);
            Assert.Equal(data.AsSpan(1_000_000, 100).ToArray(), part);
            s.Seek(0, SeekOrigin.Begin);
            using var all = new MemoryStream();
            await s.CopyToAsync(all);
            Assert.Equal(data, all.ToArray());
        }

        await Store.DeleteAsync(info.Id);
        Assert.Throws<FileNotFoundException>(() => Store.OpenRead(info.Id));
        await Store.DeleteAsync(info.Id); // idempotent
    }

    [Fact]
    public async Task Empty_and_non_seekable_sources()
    {
        var empty = await Store.WriteAsync(new MemoryStream());
        Assert.Equal(0, empty.Length);
        await using (var s = Store.OpenRead(empty.Id)) Assert.Equal(0, s.Length);

        var data = Pattern(200_000, 2);
        var info = await Store.WriteAsync(new NonSeekable(data));
        Assert.Equal(data.Length, info.Length);
        await using var r = Store.OpenRead(info.Id);
        var back = new byte[data.Length];
        r.ReadExactly(back);
        Assert.Equal(data, back);
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("0123456789ABCDEF0123456789ABCDEF")]
    [InlineData("0123456789abcdef0123456789abcde/")]
    [InlineData("")]
    [InlineData("0123")]
    public async Task Hostile_ids_are_rejected(string id)
    {
        Assert.Throws<ArgumentException>(() => Store.OpenRead(id));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.DeleteAsync(id));
    }

    [Fact]
    public async Task Missing_blob_is_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => Store.OpenRead("0123456789abcdef0123456789abcdef"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Drop_all_removes_blobs()
    {
        var a = await Store.WriteAsync(new MemoryStream([1, 2, 3]));
        await Store.DropAllAsync();
        Assert.Throws<FileNotFoundException>(() => Store.OpenRead(a.Id));
        var b = await Store.WriteAsync(new MemoryStream([4]));
        await using var s = Store.OpenRead(b.Id);
        Assert.Equal(4, s.ReadByte());
    }

    [Fact]
    public async Task Parallel_writes_are_distinct()
    {
        var infos = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => Store.WriteAsync(new MemoryStream(Pattern(10_000, i)))));
        Assert.Equal(32, infos.Select(i => i.Id).Distinct().Count());
        for (int i = 0; i < 32; i++)
        {
            await using var s = Store.OpenRead(infos[i].Id);
            var back = new byte[10_000];
            s.ReadExactly(back);
            Assert.Equal(Pattern(10_000, i), back);
        }
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }
}

public sealed class InMemoryBlobStoreTests : BlobStoreContract
{
    protected override IBlobStore Create() => new InMemoryBlobStore();
}

public sealed class FileBlobStoreTests : BlobStoreContract
{
    protected override IBlobStore Create() => new FileBlobStore(Path.Combine(Dir.Path, "blobs"));

    [Fact]
    public async Task Layout_and_tmp_cleanup_at_open()
    {
        var root = Path.Combine(Dir.Path, "blobs");
        var info = await Store.WriteAsync(new MemoryStream([9]));
        Assert.True(File.Exists(Path.Combine(root, info.Id[..2], info.Id[2..4], info.Id)));
        File.WriteAllBytes(Path.Combine(root, "tmp", "leftover"), [1]);
        _ = new FileBlobStore(root);
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "tmp")));
        Assert.True(File.Exists(Path.Combine(root, info.Id[..2], info.Id[2..4], info.Id)));
    }
}
