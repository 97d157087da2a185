using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace Gureum.Services.S3;

/// <summary>S3's additional checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256, as base64 of the big-endian digest.</summary>
internal abstract class Checksum
{
    public static readonly string[] Algorithms = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

    public abstract string Algorithm { get; }

    public abstract void Append(ReadOnlySpan<byte> data);

    public abstract byte[] Digest();

    public string Base64() => Convert.ToBase64String(Digest());

    public static bool IsSupported(string? algorithm) => algorithm is not null && Array.IndexOf(Algorithms, algorithm) >= 0;

    public static Checksum Create(string algorithm) => algorithm switch
    {
        "CRC32" => new Crc32(),
        "CRC32C" => new Crc32C(),
        "CRC64NVME" => new Crc64Nvme(),
        "SHA1" => new Sha(HashAlgorithmName.SHA1, "SHA1"),
        "SHA256" => new Sha(HashAlgorithmName.SHA256, "SHA256"),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Digest length in bytes: a base64 checksum value of another length is malformed.</summary>
    public static int DigestLength(string algorithm) => algorithm switch
    {
        "CRC32" or "CRC32C" => 4,
        "CRC64NVME" => 8,
        "SHA1" => 20,
        _ => 32,
    };

    private sealed class Sha(HashAlgorithmName name, string algorithm) : Checksum
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(name);
        public override string Algorithm => algorithm;
        public override void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);
        public override byte[] Digest() => _hash.GetHashAndReset();
    }

    private sealed class Crc32 : Checksum
    {
        private static readonly uint[] Table = BuildTable(0xEDB88320u);
        private uint _crc = 0xFFFFFFFFu;
        public override string Algorithm => "CRC32";

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }
            _crc = crc;
        }

        public override byte[] Digest()
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, ~_crc);
            return bytes;
        }

        private static uint[] BuildTable(uint poly)
        {
            var table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? poly ^ (c >> 1) : c >> 1;
                }
                table[i] = c;
            }
            return table;
        }
    }

    /// <summary>Castagnoli, with the CPU's CRC32C instruction through BitOperations.</summary>
    private sealed class Crc32C : Checksum
    {
        private uint _crc = 0xFFFFFFFFu;
        public override string Algorithm => "CRC32C";

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            while (data.Length >= 8)
            {
                crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }
            foreach (var b in data)
            {
                crc = BitOperations.Crc32C(crc, b);
            }
            _crc = crc;
        }

        public override byte[] Digest()
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, ~_crc);
            return bytes;
        }
    }

    private sealed class Crc64Nvme : Checksum
    {
        private static readonly ulong[] Table = BuildTable(0x9A6C9329AC4BC9B5ul);
        private ulong _crc = ulong.MaxValue;
        public override string Algorithm => "CRC64NVME";

        public override void Append(ReadOnlySpan<byte> data)
        {
            var crc = _crc;
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }
            _crc = crc;
        }

        public override byte[] Digest()
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, ~_crc);
            return bytes;
        }

        private static ulong[] BuildTable(ulong poly)
        {
            var table = new ulong[256];
            for (ulong i = 0; i < 256; i++)
            {
                var c = i;
                for (var k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? poly ^ (c >> 1) : c >> 1;
                }
                table[i] = c;
            }
            return table;
        }
    }
}

/// <summary>
/// Reads a request body through to the blob store while computing its MD5 (the ETag) and, when asked,
/// one additional checksum; counts the bytes. Memory is the caller's buffer only.
/// </summary>
internal sealed class HashingStream(Stream inner, Checksum? checksum) : Stream
{
    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    public long BytesRead { get; private set; }
    public Checksum? Checksum => checksum;

    public byte[] Md5() => _md5.GetHashAndReset();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Update(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Update(buffer.Span[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Update(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }
        _md5.AppendData(data);
        checksum?.Append(data);
        BytesRead += data.Length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
