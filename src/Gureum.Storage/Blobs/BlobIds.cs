using System.Buffers;
using System.Security.Cryptography;

namespace Gureum.Storage.Blobs;

/// <summary>Blob ids are 128 random bits as 32 lowercase hex chars; anything else is rejected before touching a path.</summary>
internal static class BlobIds
{
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdef");

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string Validate(string blobId)
    {
        ArgumentNullException.ThrowIfNull(blobId);
        if (blobId.Length != 32 || blobId.AsSpan().ContainsAnyExcept(Hex))
            throw new ArgumentException("Invalid blob id (expected 32 lowercase hex characters).", nameof(blobId));
        return blobId;
    }
}
