using Gureum.Api.S3;
using Gureum.Auth;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    /// <summary>A body written to the blob store with its digests checked.</summary>
    internal sealed record Ingested(BlobInfo Blob, string Md5Hex, byte[] Md5, string ChecksumAlgorithm, string ChecksumValue, bool ChecksumProvided);

    /// <summary>The one x-amz-checksum-* value a request carries in its headers, if any.</summary>
    internal static (string? Algorithm, string? Value) HeaderChecksum(string? crc32, string? crc32c, string? crc64, string? sha1, string? sha256)
    {
        (string? Algorithm, string? Value) found = (null, null);
        foreach (var (algorithm, value) in (ReadOnlySpan<(string, string?)>)[("CRC32", crc32), ("CRC32C", crc32c), ("CRC64NVME", crc64), ("SHA1", sha1), ("SHA256", sha256)])
        {
            if (value is null)
            {
                continue;
            }
            if (found.Algorithm is not null)
            {
                throw S3Errors.InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
            }
            found = (algorithm, value);
        }
        return found;
    }

    internal static void CheckAlgorithm(string? algorithm)
    {
        if (algorithm is not null && !Checksum.IsSupported(algorithm.ToUpperInvariant()))
        {
            throw S3Errors.InvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
        }
    }

    private static void CheckChecksumValue(string algorithm, string value)
    {
        var buffer = new byte[64];
        if (!Convert.TryFromBase64String(value, buffer, out var written) || written != Checksum.DigestLength(algorithm))
        {
            throw S3Errors.InvalidChecksumValue(algorithm);
        }
    }

    /// <summary>
    /// Streams <paramref name="body"/> into a new blob, computing MD5 and one checksum as it goes. The checksum is the
    /// one the client declared (header, x-amz-sdk-checksum-algorithm, or an aws-chunked trailer), else CRC64NVME,
    /// which S3 computes for every new object. A mismatch deletes the blob and fails the request like S3.
    /// </summary>
    private async Task<Ingested> IngestAsync(Stream? body, string? contentMd5, string? algorithmHint,
        (string? Algorithm, string? Value) declared, CancellationToken ct)
    {
        byte[]? expectedMd5 = null;
        if (contentMd5 is not null)
        {
            expectedMd5 = new byte[16];
            var buffer = new byte[32];
            if (!Convert.TryFromBase64String(contentMd5.Trim(), buffer, out var n) || n != 16)
            {
                throw S3Errors.InvalidDigest(contentMd5);
            }
            buffer.AsSpan(0, 16).CopyTo(expectedMd5);
        }
        CheckAlgorithm(algorithmHint);
        if (declared.Algorithm is not null)
        {
            CheckChecksumValue(declared.Algorithm, declared.Value!);
        }
        var algorithm = declared.Algorithm ?? algorithmHint?.ToUpperInvariant() ?? "CRC64NVME";
        var hashing = new HashingStream(body ?? Stream.Null, Checksum.Create(algorithm));
        var blob = await _blobs.WriteAsync(hashing, ct).ConfigureAwait(false);
        try
        {
            var md5 = hashing.Md5();
            if (expectedMd5 is not null && !md5.AsSpan().SequenceEqual(expectedMd5))
            {
                throw S3Errors.BadDigestMd5(contentMd5!.Trim(), Convert.ToBase64String(md5));
            }
            var value = hashing.Checksum!.Base64();
            var provided = declared.Algorithm is not null || algorithmHint is not null;
            if (declared.Algorithm is not null && declared.Value != value)
            {
                throw S3Errors.BadChecksum(declared.Algorithm);
            }
            if (body is AwsChunkedDecodingStream chunked)
            {
                foreach (var (name, trailerValue) in chunked.Trailers)
                {
                    if (!name.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }
                    var trailerAlgorithm = name["x-amz-checksum-".Length..].ToUpperInvariant();
                    if (!Checksum.IsSupported(trailerAlgorithm))
                    {
                        continue;
                    }
                    CheckChecksumValue(trailerAlgorithm, trailerValue.Trim());
                    if (trailerAlgorithm != algorithm)
                    {
                        // The trailer names an algorithm nobody announced: compute it from the stored bytes.
                        algorithm = trailerAlgorithm;
                        value = await ComputeAsync(blob.Id, algorithm, ct).ConfigureAwait(false);
                    }
                    if (trailerValue.Trim() != value)
                    {
                        throw S3Errors.BadChecksum(trailerAlgorithm);
                    }
                    provided = true;
                }
            }
            return new Ingested(blob, Convert.ToHexStringLower(md5), md5, algorithm, value, provided);
        }
        catch
        {
            await _blobs.DeleteAsync(blob.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    private async Task<string> ComputeAsync(string blobId, string algorithm, CancellationToken ct)
    {
        var checksum = Checksum.Create(algorithm);
        await using var stream = _blobs.OpenRead(blobId);
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            checksum.Append(buffer.AsSpan(0, n));
        }
        return checksum.Base64();
    }

    /// <summary>User metadata may total at most 2 KB (keys and values, UTF-8).</summary>
    internal static void CheckMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null)
        {
            return;
        }
        var size = 0;
        foreach (var (key, value) in metadata)
        {
            size += System.Text.Encoding.UTF8.GetByteCount(key) + System.Text.Encoding.UTF8.GetByteCount(value);
        }
        if (size > 2048)
        {
            throw S3Errors.MetadataTooLarge(size);
        }
    }

    internal static Dictionary<string, string>? NormalizeMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null || metadata.Count == 0)
        {
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            result[key.ToLowerInvariant()] = value;
        }
        return result;
    }

    internal static void CheckKey(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw S3Errors.InvalidArgument("A key must be specified", "key", key);
        }
        var size = System.Text.Encoding.UTF8.GetByteCount(key);
        if (size > 1024)
        {
            throw S3Errors.KeyTooLong(size);
        }
    }

    /// <summary>If-Match / If-None-Match: "*" or a comma-separated list of (weak or strong) entity tags.</summary>
    internal static bool EtagMatches(string header, string etag)
    {
        var bare = etag.Trim('"');
        foreach (var part in header.Split(','))
        {
            var candidate = part.Trim();
            if (candidate == "*")
            {
                return true;
            }
            if (candidate.StartsWith("W/", StringComparison.Ordinal))
            {
                candidate = candidate[2..];
            }
            if (candidate.Trim('"') == bare)
            {
                return true;
            }
        }
        return false;
    }
}
