using System.Security.Cryptography;
using System.Text;

namespace Gureum.Auth;

/// <summary>
/// The canonical-request pieces of SigV4, shared by the verifier and the signer so there is
/// exactly one implementation of the rules.
/// </summary>
public static class SigV4Canonical
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string StreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    public const string StreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
    public const string StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
    public const string EmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    public const string TimestampFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>S3 (and its variants) sign the path as sent; everything else normalizes and double-encodes.</summary>
    public static bool UsesS3PathRules(string? service) =>
        service is "s3" or "s3-object-lambda" or "s3express" or "s3-outposts";

    /// <summary>
    /// Non-S3 canonical URI: remove dot segments and empty segments (what botocore and the other
    /// SDKs do), then URI-encode the already-encoded wire path a second time ('%' becomes '%25').
    /// </summary>
    public static string NormalizedPath(string rawPath)
    {
        if (rawPath.Length == 0 || rawPath == "/")
            return "/";
        var output = new List<string>();
        foreach (var seg in rawPath.Split('/'))
        {
            if (seg.Length == 0 || seg == ".")
                continue;
            if (seg == "..")
            {
                if (output.Count > 0)
                    output.RemoveAt(output.Count - 1);
                continue;
            }
            output.Add(seg);
        }
        var sb = new StringBuilder(rawPath.Length + 8);
        if (rawPath[0] == '/')
            sb.Append('/');
        for (var i = 0; i < output.Count; i++)
        {
            if (i > 0)
                sb.Append('/');
            sb.Append(output[i]);
        }
        if (rawPath[^1] == '/' && output.Count > 0)
            sb.Append('/');
        return UriEncode(sb.ToString(), keepSlash: true);
    }

    /// <summary>
    /// S3 canonical URI, relaxed form: each segment percent-decoded then encoded once, so a client
    /// that sent e.g. a bare '!' or lowercase escapes still matches. Tried only if the raw path fails.
    /// </summary>
    public static string S3ReencodedPath(string rawPath)
    {
        if (rawPath.Length == 0)
            return "/";
        var segments = rawPath.Split('/');
        var sb = new StringBuilder(rawPath.Length + 8);
        for (var i = 0; i < segments.Length; i++)
        {
            if (i > 0)
                sb.Append('/');
            AppendEncoded(sb, PercentDecode(segments[i], plusIsSpace: false), keepSlash: false);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Canonical query string: pairs decoded and re-encoded per RFC 3986 unreserved rules, sorted
    /// by encoded name then value. '+' decodes to space, as AWS's front ends do.
    /// </summary>
    public static string CanonicalQuery(string rawQuery, bool excludeSignature)
    {
        if (rawQuery.Length == 0)
            return "";
        var pairs = new List<(string Key, string Value)>();
        foreach (var part in rawQuery.Split('&'))
        {
            if (part.Length == 0)
                continue;
            var eq = part.IndexOf('=');
            var rawKey = eq < 0 ? part : part[..eq];
            var rawValue = eq < 0 ? "" : part[(eq + 1)..];
            var key = PercentDecode(rawKey, plusIsSpace: true);
            if (excludeSignature && key.AsSpan().SequenceEqual("X-Amz-Signature"u8))
                continue;
            pairs.Add((EncodeBytes(key), EncodeBytes(PercentDecode(rawValue, plusIsSpace: true))));
        }
        pairs.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        var sb = new StringBuilder(rawQuery.Length + 16);
        foreach (var (k, v) in pairs)
        {
            if (sb.Length > 0)
                sb.Append('&');
            sb.Append(k).Append('=').Append(v);
        }
        return sb.ToString();
    }

    /// <summary>Parses a raw query into decoded (name, value) pairs, in order; used to read X-Amz-* params.</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string rawQuery)
    {
        var list = new List<KeyValuePair<string, string>>();
        if (rawQuery.Length == 0)
            return list;
        foreach (var part in rawQuery.Split('&'))
        {
            if (part.Length == 0)
                continue;
            var eq = part.IndexOf('=');
            var k = eq < 0 ? part : part[..eq];
            var v = eq < 0 ? "" : part[(eq + 1)..];
            list.Add(new(Utf8(PercentDecode(k, true)), Utf8(PercentDecode(v, true))));
        }
        return list;
    }

    /// <summary>
    /// Canonical headers block (each "name:value\n") for the given signed header names: values trimmed,
    /// inner whitespace runs collapsed to one space, repeated headers joined with ','.
    /// </summary>
    public static string CanonicalHeaders(IReadOnlyList<KeyValuePair<string, string>> headers, IReadOnlyList<string> signedHeaders)
    {
        var sb = new StringBuilder(256);
        foreach (var name in signedHeaders)
        {
            sb.Append(name).Append(':');
            var first = true;
            foreach (var h in headers)
            {
                if (!string.Equals(h.Key.Trim(), name, StringComparison.OrdinalIgnoreCase))
                    continue;
                if (!first)
                    sb.Append(',');
                AppendTrimAll(sb, h.Value);
                first = false;
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// Whether <paramref name="providedSignature"/> is the signature of the canonical request made of
    /// these parts: the canonical request and the string to sign are written as UTF-8 into pooled
    /// buffers and hashed there, nothing is allocated. Byte for byte the UTF-8 of
    /// <see cref="CanonicalRequest"/> and <see cref="StringToSign"/> (which build the strings for
    /// the SignatureDoesNotMatch details).
    /// </summary>
    public static bool SignatureMatches(byte[] signingKey, string method, string canonicalPath, string canonicalQuery,
        ReadOnlySpan<byte> canonicalHeadersUtf8, string signedHeaders, string payloadHash, string timestamp, string scope, string providedSignature)
    {
        if (providedSignature.Length != 2 * HMACSHA256.HashSizeInBytes)
            return false;
        var buffer = new PooledUtf8(256 + canonicalHeadersUtf8.Length + canonicalPath.Length + canonicalQuery.Length);
        try
        {
            buffer.Append(method);
            buffer.Append('\n');
            buffer.Append(canonicalPath);
            buffer.Append('\n');
            buffer.Append(canonicalQuery);
            buffer.Append('\n');
            buffer.Append(canonicalHeadersUtf8);
            buffer.Append('\n');
            buffer.Append(signedHeaders);
            buffer.Append('\n');
            buffer.Append(payloadHash);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.Written, hash);
            buffer.Clear();
            buffer.Append(Algorithm);
            buffer.Append('\n');
            buffer.Append(timestamp);
            buffer.Append('\n');
            buffer.Append(scope);
            buffer.Append('\n');
            buffer.AppendLowerHex(hash);
            Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
            HMACSHA256.HashData(signingKey, buffer.Written, mac);
            Span<byte> expected = stackalloc byte[2 * HMACSHA256.HashSizeInBytes];
            Span<byte> provided = stackalloc byte[2 * HMACSHA256.HashSizeInBytes];
            for (var i = 0; i < mac.Length; i++)
            {
                expected[2 * i] = (byte)HexDigits[mac[i] >> 4];
                expected[2 * i + 1] = (byte)HexDigits[mac[i] & 15];
            }
            for (var i = 0; i < provided.Length; i++)
                provided[i] = (byte)char.ToLowerInvariant(providedSignature[i]);
            return CryptographicOperations.FixedTimeEquals(expected, provided);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>The canonical headers block of <see cref="CanonicalHeaders"/> as UTF-8, into <paramref name="output"/>.</summary>
    public static void WriteCanonicalHeaders(IReadOnlyList<KeyValuePair<string, string>> headers, IReadOnlyList<string> signedHeaders, ref PooledUtf8 output)
    {
        for (var n = 0; n < signedHeaders.Count; n++)
        {
            var name = signedHeaders[n];
            output.Append(name);
            output.Append(':');
            var first = true;
            for (var i = 0; i < headers.Count; i++)
            {
                var h = headers[i];
                if (!h.Key.AsSpan().Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                    continue;
                if (!first)
                    output.Append(',');
                AppendTrimAll(ref output, h.Value);
                first = false;
            }
            output.Append('\n');
        }
    }

    private const string HexDigits = "0123456789abcdef";

    private static void AppendTrimAll(ref PooledUtf8 output, string value)
    {
        // Runs of non-whitespace, joined by single spaces: a surrogate pair is never split.
        var span = value.AsSpan();
        var any = false;
        var i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && IsTrimSpace(span[i]))
                i++;
            var start = i;
            while (i < span.Length && !IsTrimSpace(span[i]))
                i++;
            if (i > start)
            {
                if (any)
                    output.Append(' ');
                output.Append(span[start..i]);
                any = true;
            }
        }
    }

    private static bool IsTrimSpace(char c) => c is ' ' or '\t' or '\r' or '\n' or '\f' or '\v';

    public static string CanonicalRequest(string method, string canonicalPath, string canonicalQuery,
        string canonicalHeaders, string signedHeaders, string payloadHash) =>
        string.Concat(method, "\n", canonicalPath, "\n", canonicalQuery, "\n", canonicalHeaders, "\n", signedHeaders, "\n", payloadHash);

    public static string StringToSign(string timestamp, string scope, string canonicalRequest) =>
        string.Concat(Algorithm, "\n", timestamp, "\n", scope, "\n", Sha256HexOfUtf8(canonicalRequest));

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").</summary>
    public static byte[] DeriveSigningKey(string secret, string date, string region, string service)
    {
        var k = HmacSha256(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        k = HmacSha256(k, region);
        k = HmacSha256(k, service);
        return HmacSha256(k, "aws4_request");
    }

    public static byte[] HmacSha256(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    public static string HmacHex(byte[] key, string data)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        var utf8 = RentUtf8(data, out var length);
        try
        {
            HMACSHA256.HashData(key, utf8.AsSpan(0, length), mac);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(utf8);
        }
        return Convert.ToHexStringLower(mac);
    }

    /// <summary>Hex SHA-256 of a string's UTF-8 bytes, through a pooled buffer (the canonical request of every request).</summary>
    private static string Sha256HexOfUtf8(string text)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var utf8 = RentUtf8(text, out var length);
        try
        {
            SHA256.HashData(utf8.AsSpan(0, length), hash);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(utf8);
        }
        return Convert.ToHexStringLower(hash);
    }

    private static byte[] RentUtf8(string text, out int length)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        length = Encoding.UTF8.GetBytes(text, buffer);
        return buffer;
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>Constant-time comparison of hex signatures (case-insensitive), so timing reveals nothing.</summary>
    public static bool SignatureEquals(string expectedLowerHex, string provided)
    {
        if (expectedLowerHex.Length != provided.Length)
            return false;
        Span<byte> a = stackalloc byte[expectedLowerHex.Length];
        Span<byte> b = stackalloc byte[provided.Length];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = (byte)expectedLowerHex[i];
            b[i] = (byte)char.ToLowerInvariant(provided[i]);
        }
        return CryptographicOperations.FixedTimeEquals(a, b);
    }

    public static bool IsHexSha256(string s)
    {
        if (s.Length != 64)
            return false;
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
                return false;
        }
        return true;
    }

    /// <summary>AWS UriEncode of a string's UTF-8 bytes: unreserved kept, everything else %XX (uppercase).</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var sb = new StringBuilder(value.Length + 8);
        AppendEncoded(sb, Encoding.UTF8.GetBytes(value), keepSlash);
        return sb.ToString();
    }

    private static string EncodeBytes(byte[] bytes)
    {
        var sb = new StringBuilder(bytes.Length + 8);
        AppendEncoded(sb, bytes, keepSlash: false);
        return sb.ToString();
    }

    private static void AppendEncoded(StringBuilder sb, byte[] bytes, bool keepSlash)
    {
        foreach (var b in bytes)
        {
            if (IsUnreserved(b) || (keepSlash && b == (byte)'/'))
                sb.Append((char)b);
            else
                sb.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
        }
    }

    private static bool IsUnreserved(byte b) =>
        (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.' || b == '~';

    /// <summary>Percent-decodes to raw bytes; malformed escapes are kept literally (they re-encode as %25..).</summary>
    private static byte[] PercentDecode(string s, bool plusIsSpace)
    {
        var raw = Encoding.UTF8.GetBytes(s);
        var outBytes = new byte[raw.Length];
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == '%' && i + 2 < raw.Length && HexVal(raw[i + 1]) >= 0 && HexVal(raw[i + 2]) >= 0)
            {
                outBytes[n++] = (byte)((HexVal(raw[i + 1]) << 4) | HexVal(raw[i + 2]));
                i += 2;
            }
            else
            {
                outBytes[n++] = plusIsSpace && b == '+' ? (byte)' ' : b;
            }
        }
        return outBytes.AsSpan(0, n).ToArray();
    }

    private static int HexVal(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static string Utf8(byte[] b) => Encoding.UTF8.GetString(b);

    private static void AppendTrimAll(StringBuilder sb, string value)
    {
        var pendingSpace = false;
        var any = false;
        foreach (var c in value)
        {
            if (c is ' ' or '\t' or '\r' or '\n' or '\f' or '\v')
            {
                pendingSpace = any;
                continue;
            }
            if (pendingSpace)
                sb.Append(' ');
            sb.Append(c);
            pendingSpace = false;
            any = true;
        }
    }
}
