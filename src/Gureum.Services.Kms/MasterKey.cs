using System.Security.Cryptography;
using System.Text;

namespace Gureum.Services.Kms;

/// <summary>
/// The local master key that wraps every KMS key's material before it reaches the state store.
/// Durable servers keep it in <c>&lt;data-dir&gt;/kms/master.key</c> (32 random bytes, created on first
/// start, mode 0600); in-memory servers generate one per process. Losing the file makes the stored
/// keys unusable, exactly like losing an HSM.
/// </summary>
internal sealed class MasterKey
{
    private const string Magic = "gureum-kms-master-v1\n";
    private readonly byte[] _key;

    private MasterKey(byte[] key) => _key = key;

    public static MasterKey Open(string? dataDir)
    {
        if (dataDir is null)
        {
            return new MasterKey(RandomNumberGenerator.GetBytes(32));
        }
        var dir = Path.Combine(dataDir, "kms");
        var path = Path.Combine(dir, "master.key");
        if (File.Exists(path))
        {
            return new MasterKey(Parse(File.ReadAllBytes(path), path));
        }
        Directory.CreateDirectory(dir);
        var key = RandomNumberGenerator.GetBytes(32);
        var content = Encoding.ASCII.GetBytes(Magic + Convert.ToBase64String(key) + "\n");
        var tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(tmp, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: false);
        return new MasterKey(key);
    }

    private static byte[] Parse(byte[] content, string path)
    {
        var text = Encoding.ASCII.GetString(content);
        if (!text.StartsWith(Magic, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path} is not a Gureum KMS master key file.");
        }
        var key = Convert.FromBase64String(text[Magic.Length..].Trim());
        return key.Length == 32 ? key : throw new InvalidDataException($"{path} does not hold a 256-bit key.");
    }

    public byte[] Wrap(ReadOnlySpan<byte> material, string context)
    {
        var result = new byte[12 + 16 + material.Length];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var gcm = new AesGcm(_key, 16);
        gcm.Encrypt(result.AsSpan(0, 12), material, result.AsSpan(28), result.AsSpan(12, 16), Encoding.UTF8.GetBytes(context));
        return result;
    }

    public byte[] Unwrap(byte[] wrapped, string context)
    {
        var material = new byte[wrapped.Length - 28];
        using var gcm = new AesGcm(_key, 16);
        gcm.Decrypt(wrapped.AsSpan(0, 12), wrapped.AsSpan(28), wrapped.AsSpan(12, 16), material, Encoding.UTF8.GetBytes(context));
        return material;
    }
}
