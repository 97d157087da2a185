using System.Buffers;

namespace Gureum.Storage.Blobs;

/// <summary>
/// Immutable blobs as files: &lt;root&gt;/xx/yy/&lt;id&gt;. A write streams into tmp/, fsyncs the file, renames it
/// into place and fsyncs the directory, so an acknowledged blob exists in full after a crash and a torn
/// write never appears under a real id. tmp/ holds only unacknowledged writes and is emptied at open.
/// </summary>
public sealed class FileBlobStore : IBlobStore
{
    private const int ChunkSize = 1 << 20;
    private readonly string _root;
    private readonly string _tmp;

    public FileBlobStore(string root)
    {
        _root = Path.GetFullPath(root);
        _tmp = Path.Combine(_root, "tmp");
        if (Directory.Exists(_tmp)) Directory.Delete(_tmp, recursive: true);
        Directory.CreateDirectory(_tmp);
        NativeFs.FsyncDirectory(_root);
    }

    public async Task<BlobInfo> WriteAsync(Stream source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var id = BlobIds.New();
        var tmpPath = Path.Combine(_tmp, id);
        long length = 0;
        try
        {
            // Preallocating known-length sources avoids repeated extent growth (and fails fast on a full disk).
            long prealloc = source.CanSeek ? Math.Max(0, source.Length - source.Position) : 0;
            using (var handle = File.OpenHandle(tmpPath, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                       FileOptions.None, prealloc))
            {
                var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
                try
                {
                    int n;
                    while ((n = await source.ReadAsync(buffer.AsMemory(0, ChunkSize), ct)) > 0)
                    {
                        RandomAccess.Write(handle, buffer.AsSpan(0, n), length);
                        length += n;
                    }
                }
                finally { ArrayPool<byte>.Shared.Return(buffer); }
                if (RandomAccess.GetLength(handle) != length) RandomAccess.SetLength(handle, length);
                RandomAccess.FlushToDisk(handle);
            }

            var dir = DirectoryFor(id);
            EnsureDirectory(dir);
            File.Move(tmpPath, Path.Combine(dir, id));
            NativeFs.FsyncDirectory(dir);
            return new BlobInfo(id, length);
        }
        catch
        {
            TryDelete(tmpPath);
            throw;
        }
    }

    public Stream OpenRead(string blobId)
    {
        var path = PathFor(blobId);
        try
        {
            // FileShare.Delete: a concurrent DeleteAsync must not fail because a GET is streaming the blob.
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 64 * 1024, FileOptions.Asynchronous);
        }
        catch (DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Blob {blobId} not found.", path);
        }
    }

    public ValueTask DeleteAsync(string blobId, CancellationToken ct = default)
    {
        // Not fsynced: a delete lost in a crash leaves an orphan file, never a dangling reference.
        File.Delete(PathFor(blobId));
        return ValueTask.CompletedTask;
    }

    public ValueTask DropAllAsync(CancellationToken ct = default)
    {
        foreach (var dir in Directory.EnumerateDirectories(_root))
        {
            if (!string.Equals(Path.GetFileName(dir), "tmp", StringComparison.Ordinal)) Directory.Delete(dir, recursive: true);
        }
        NativeFs.FsyncDirectory(_root);
        return ValueTask.CompletedTask;
    }

    private string DirectoryFor(string id) => Path.Combine(_root, id[..2], id[2..4]);

    private string PathFor(string blobId) => Path.Combine(DirectoryFor(BlobIds.Validate(blobId)), blobId);

    // New fan-out directories must be durable too, or the renamed file could vanish with its parent entry.
    private void EnsureDirectory(string dir)
    {
        if (Directory.Exists(dir)) return;
        var parent = Path.GetDirectoryName(dir)!;
        bool newParent = !Directory.Exists(parent);
        Directory.CreateDirectory(dir);
        if (newParent) NativeFs.FsyncDirectory(_root);
        NativeFs.FsyncDirectory(parent);
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
