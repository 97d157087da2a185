using System.Text;

namespace Gureum.Storage;

/// <summary>
/// Keys travel as UTF-8 bytes so every backend orders them by memcmp (SQLite BLOB, Postgres bytea, byte[] here)
/// and prefix scans become plain [prefix, prefixEnd) range scans that use the index.
/// </summary>
internal static class KeyCodec
{
    // Throwing encoder: a lone surrogate has no UTF-8 form, and silently mapping it to U+FFFD would merge keys.
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Encode(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        try
        {
            return Strict.GetBytes(key);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException("Keys must be well-formed Unicode (no lone surrogates).", nameof(key), e);
        }
    }

    public static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    public static string CheckTable(string table)
    {
        ArgumentException.ThrowIfNullOrEmpty(table);
        return table;
    }

    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    /// <summary>Resolves a range to byte bounds [lo, hi) (hi null = unbounded); false when the range is empty.</summary>
    public static bool TryResolve(ScanRange range, out byte[] lo, out byte[]? hi)
    {
        ArgumentNullException.ThrowIfNull(range);
        if (range.Limit is < 0) throw new ArgumentOutOfRangeException(nameof(range), "Limit must be >= 0.");

        lo = range.FromKey is null ? [] : Encode(range.FromKey);
        hi = range.ToKeyExclusive is null ? null : Encode(range.ToKeyExclusive);
        if (range.Prefix is { Length: > 0 } prefix)
        {
            var p = Encode(prefix);
            if (Compare(p, lo) > 0) lo = p;
            var end = PrefixEnd(p);
            if (hi is null || Compare(end, hi) < 0) hi = end;
        }
        return range.Limit != 0 && (hi is null || Compare(lo, hi) < 0);
    }

    /// <summary>
    /// The smallest byte string greater than every string starting with <paramref name="prefix"/>.
    /// UTF-8 never contains 0xFF, so incrementing the last byte cannot overflow.
    /// </summary>
    public static byte[] PrefixEnd(byte[] prefix)
    {
        var end = (byte[])prefix.Clone();
        end[^1]++;
        return end;
    }
}
