using System.Globalization;
using System.Security.Cryptography;

namespace Gureum.Services.Iam;

/// <summary>
/// Identifiers in AWS's formats. Unique ids are a 4-letter type prefix (AIDA user, AROA role,
/// ANPA managed policy, AGPA group) and 17 upper-case base-32 characters. Access key ids are
/// AKIA (long-lived) or ASIA (temporary) plus 16 base-32 characters that encode the owning account
/// the way AWS does (bits 7..46 of the first 6 decoded bytes), so GetAccessKeyInfo can answer for
/// any key. Everything random comes from the OS CSPRNG.
/// </summary>
public static class IamIds
{
    private const string Base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public static string UniqueId(string prefix) => prefix + RandomBase32(17);

    public static string AccessKeyId(string prefix, string accountId)
    {
        var account = ulong.TryParse(accountId, NumberStyles.None, CultureInfo.InvariantCulture, out var a) ? a : 0UL;
        Span<byte> bytes = stackalloc byte[10];
        RandomNumberGenerator.Fill(bytes);
        // 48-bit big-endian head: bit 47 = 0, bits 46..7 = account (40 bits), bits 6..0 random.
        var head = ((account & 0xFF_FFFF_FFFFUL) << 7) | (uint)(bytes[5] & 0x7F);
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(head >> (8 * (5 - i)));
        }
        return prefix + EncodeBase32(bytes);
    }

    /// <summary>The account encoded in an AKIA/ASIA key id, or null when the id is not in that format.</summary>
    public static string? AccountOfAccessKey(string accessKeyId)
    {
        if (accessKeyId.Length != 20 || !(accessKeyId.StartsWith("AKIA", StringComparison.Ordinal) || accessKeyId.StartsWith("ASIA", StringComparison.Ordinal)))
        {
            return null;
        }
        ulong value = 0;
        foreach (var c in accessKeyId.AsSpan(4, 10))
        {
            var v = Base32.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                return null;
            }
            value = (value << 5) | (uint)v;
        }
        foreach (var c in accessKeyId.AsSpan(14))
        {
            if (Base32.IndexOf(c, StringComparison.Ordinal) < 0)
            {
                return null;
            }
        }
        var head = value >> 2; // 10 characters = 50 bits; the first 48 are the 6 leading bytes
        var account = (head & 0x7FFF_FFFF_FF80UL) >> 7;
        return account.ToString("D12", CultureInfo.InvariantCulture);
    }

    public static string Secret() => RandomFrom(SecretAlphabet, 40);

    public static string SessionToken()
    {
        Span<byte> bytes = stackalloc byte[264];
        RandomNumberGenerator.Fill(bytes);
        return "IQoJb3JpZ2luX2VjE" + Convert.ToBase64String(bytes);
    }

    private static string RandomBase32(int length) => RandomFrom(Base32, length);

    private static string RandomFrom(string alphabet, int length) =>
        string.Create(length, alphabet, static (span, alphabet) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });

    private static string EncodeBase32(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length * 8 / 5];
        var buffer = 0;
        var bits = 0;
        var index = 0;
        foreach (var b in bytes)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[index++] = Base32[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        return new string(chars);
    }
}
