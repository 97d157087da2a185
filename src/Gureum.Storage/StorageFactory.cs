using Gureum.Storage.Blobs;
using Gureum.Storage.InMemory;
using Gureum.Storage.Sqlite;

namespace Gureum.Storage;

/// <summary>Composition entry points: the server picks one at start (`--in-memory` or a data directory).</summary>
public static class StorageFactory
{
    /// <summary>
    /// Opens &lt;dataDir&gt;/state/gureum.db and &lt;dataDir&gt;/blobs. Takes an exclusive lock on
    /// &lt;dataDir&gt;/LOCK (released when the state store is disposed): two processes on one store would corrupt it.
    /// </summary>
    public static (IStateStore State, IBlobStore Blobs) OpenDurable(string dataDir)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDir);
        Directory.CreateDirectory(dataDir);
        var dirLock = AcquireLock(Path.Combine(dataDir, "LOCK"));
        try
        {
            var blobs = new FileBlobStore(Path.Combine(dataDir, "blobs"));
            var state = SqliteStateStore.Open(Path.Combine(dataDir, "state", "gureum.db"), dirLock);
            return (state, blobs);
        }
        catch
        {
            dirLock.Dispose();
            throw;
        }
    }

    public static (IStateStore State, IBlobStore Blobs) InMemory() => (new InMemoryStateStore(), new InMemoryBlobStore());

    private static FileStream AcquireLock(string path)
    {
        try
        {
            // FileShare.None takes an flock(LOCK_EX) on Unix; the kernel drops it if the process dies.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"Data directory '{Path.GetDirectoryName(path)}' is in use by another Gureum process.", e);
        }
    }
}
