using System.Collections.Concurrent;
using Gureum.Storage.Blobs;

namespace Gureum.Storage.InMemory;

/// <summary>Blobs as byte arrays (tests and --in-memory); ids and errors match the file store.</summary>
public sealed class InMemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);

    public async Task<BlobInfo> WriteAsync(Stream source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        using var buffer = new MemoryStream();
        await source.CopyToAsync(buffer, ct);
        var id = BlobIds.New();
        _blobs[id] = buffer.ToArray();
        return new BlobInfo(id, buffer.Length);
    }

    public Stream OpenRead(string blobId) =>
        _blobs.TryGetValue(BlobIds.Validate(blobId), out var bytes)
            ? new MemoryStream(bytes, writable: false)
            : throw new FileNotFoundException($"Blob {blobId} not found.");

    public ValueTask DeleteAsync(string blobId, CancellationToken ct = default)
    {
        _blobs.TryRemove(BlobIds.Validate(blobId), out _);
        return ValueTask.CompletedTask;
    }

    public ValueTask DropAllAsync(CancellationToken ct = default)
    {
        _blobs.Clear();
        return ValueTask.CompletedTask;
    }
}
