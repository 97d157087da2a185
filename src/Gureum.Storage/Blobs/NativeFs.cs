using System.Runtime.InteropServices;

namespace Gureum.Storage.Blobs;

/// <summary>
/// fsync of a directory, so a rename (or a new file's directory entry) survives power loss.
/// .NET refuses to open directories as file handles on Unix, hence the P/Invoke. Windows (NTFS journals
/// metadata) has no equivalent and is skipped.
/// </summary>
internal static partial class NativeFs
{
    public static void FsyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Open(path, 0 /* O_RDONLY: same value on Linux and macOS */);
        if (fd < 0) throw new IOException($"open({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync({path}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
