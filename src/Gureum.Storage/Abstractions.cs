namespace Gureum.Storage;

/// <summary>
/// An ordered key-value space shared by every service. Keys are strings ordered by their UTF-8 bytes
/// (= Unicode code point order, NOT .NET's UTF-16 ordinal order); values are opaque bytes.
/// A "table" is a namespace chosen by the service, e.g. "s3/objects/000000000000/us-east-1".
/// The shape deliberately maps onto any ordered store (SQLite, Postgres bytea keys, an LSM tree).
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>The value, or null when the key is absent. The returned array is the caller's to keep.</summary>
    ValueTask<byte[]?> GetAsync(string table, string key, CancellationToken ct = default);

    /// <summary>Keys in <paramref name="range"/>, ascending or descending. Each scan reads one consistent snapshot.</summary>
    IAsyncEnumerable<KeyValuePair<string, byte[]>> ScanAsync(string table, ScanRange range, CancellationToken ct = default);

    /// <summary>
    /// Applies every operation of the batch atomically (across tables), or nothing when a precondition fails
    /// (returns false). Once this completes with true the batch is durable (fsynced) in the durable backend.
    /// Cancellation is honoured only until the batch is picked up by the writer; after that it lands.
    /// </summary>
    ValueTask<bool> CommitAsync(WriteBatch batch, CancellationToken ct = default);

    /// <summary>Number of keys in the table, optionally only those starting with <paramref name="prefix"/>.</summary>
    ValueTask<long> CountAsync(string table, string? prefix = null, CancellationToken ct = default);

    /// <summary>Deletes everything in every table (reset endpoint). Ordered with respect to commits.</summary>
    ValueTask DropAllAsync(CancellationToken ct = default);
}

/// <summary>Payload bytes, stored apart from metadata so large objects stream instead of sitting in the state store.</summary>
public interface IBlobStore
{
    /// <summary>Copies <paramref name="source"/> to a new immutable blob; durable when the task completes.</summary>
    Task<BlobInfo> WriteAsync(Stream source, CancellationToken ct = default);

    /// <summary>A seekable read-only stream over the blob. Throws <see cref="FileNotFoundException"/> when absent.</summary>
    Stream OpenRead(string blobId);

    /// <summary>Deletes the blob; deleting a missing blob is not an error (deletes are retried after crashes).</summary>
    ValueTask DeleteAsync(string blobId, CancellationToken ct = default);

    ValueTask DropAllAsync(CancellationToken ct = default);
}

/// <param name="Id">32 lowercase hex chars (random 128 bits).</param>
/// <param name="Length">Bytes written.</param>
public sealed record BlobInfo(string Id, long Length);

/// <summary>The on-disk store has a format this build cannot read (written by a newer Gureum, or damaged).</summary>
public sealed class StoreFormatException(string message) : Exception(message);
