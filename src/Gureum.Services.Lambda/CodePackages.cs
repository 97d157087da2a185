using System.IO.Compression;
using System.Security.Cryptography;
using Gureum.Storage;

namespace Gureum.Services.Lambda;

/// <summary>
/// Deployment packages: the zip is kept in the blob store; it is unpacked, once per code blob, into
/// &lt;root&gt;/&lt;blob id&gt;/ (under the data directory, or a temp directory in in-memory mode). Unpacking is
/// safe: entries with absolute paths, ".." segments or names that resolve outside the directory are
/// rejected, and no symbolic links are created (a zip's symlink entries are written as regular files).
/// </summary>
internal sealed class CodePackages
{
    private readonly IBlobStore _blobs;
    private readonly string _root;
    private readonly Lock _extracting = new();

    public CodePackages(IBlobStore blobs, string root)
    {
        _blobs = blobs;
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public string Root => _root;

    /// <summary>Checks that the bytes are a zip Lambda can unpack; returns the base64 SHA-256 Lambda reports.</summary>
    public static string Validate(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            foreach (var entry in archive.Entries)
            {
                _ = SafeRelativePath(entry.FullName);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw LambdaErrors.InvalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.");
        }
        return Convert.ToBase64String(SHA256.HashData(zip));
    }

    public async Task<BlobInfo> StoreAsync(byte[] zip, CancellationToken ct) =>
        await _blobs.WriteAsync(new MemoryStream(zip, writable: false), ct).ConfigureAwait(false);

    public Stream OpenZip(string blobId) => _blobs.OpenRead(blobId);

    /// <summary>The directory holding the unpacked package (unpacked on first use; atomic rename).</summary>
    public Task<string> EnsureUnpackedAsync(string blobId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var target = Path.Combine(_root, blobId);
        if (Directory.Exists(target))
        {
            return Task.FromResult(target);
        }
        lock (_extracting)
        {
            if (Directory.Exists(target))
            {
                return Task.FromResult(target);
            }
            var staging = Path.Combine(_root, $".tmp-{blobId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(staging);
            try
            {
                using (var zip = _blobs.OpenRead(blobId))
                {
                    Unpack(zip, staging);
                }
                Directory.Move(staging, target);
            }
            catch
            {
                TryDelete(staging);
                throw;
            }
            return Task.FromResult(target);
        }
    }

    private static void Unpack(Stream zip, string directory)
    {
        var root = Path.GetFullPath(directory) + Path.DirectorySeparatorChar;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read);
        foreach (var entry in archive.Entries)
        {
            var relative = SafeRelativePath(entry.FullName);
            if (relative.Length == 0)
            {
                continue;
            }
            var destination = Path.GetFullPath(Path.Combine(root, relative));
            if (!destination.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"zip entry '{entry.FullName}' escapes the function directory");
            }
            if (entry.FullName.EndsWith('/'))
            {
                Directory.CreateDirectory(destination);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            // A parent created by an earlier entry is a real directory (we never create links), so the
            // destination cannot be redirected.
            using (var input = entry.Open())
            using (var output = new FileStream(destination, FileMode.Create, FileAccess.Write))
            {
                input.CopyTo(output);
            }
            var mode = (entry.ExternalAttributes >> 16) & 0x1FF;
            var executable = (mode & 0x49) != 0 || relative == "bootstrap";
            if (!OperatingSystem.IsWindows())
            {
                var unixMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                if (executable)
                {
                    unixMode |= UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
                }
                File.SetUnixFileMode(destination, unixMode);
            }
        }
    }

    /// <summary>The entry's path relative to the function directory; throws for absolute or escaping paths.</summary>
    internal static string SafeRelativePath(string entryName)
    {
        var name = entryName.Replace('\\', '/');
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':') || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new InvalidDataException($"zip entry '{entryName}' has an absolute path");
        }
        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Any(s => s == ".."))
        {
            throw new InvalidDataException($"zip entry '{entryName}' escapes the function directory");
        }
        return string.Join('/', segments.Where(s => s != "."));
    }

    public void Remove(string blobId) => TryDelete(Path.Combine(_root, blobId));

    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
