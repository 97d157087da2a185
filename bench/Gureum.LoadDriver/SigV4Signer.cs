using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Gureum.LoadDriver;

/// <summary>
/// AWS Signature Version 4, header form (Authorization: AWS4-HMAC-SHA256 ...).
/// Written from the public specification; independent of Gureum so any endpoint can be measured.
/// Signing is done once per prepared request (not per send), so clarity beats speed here.
/// </summary>
internal static class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string EmptyPayloadSha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>
    /// Signs the request: adds x-amz-date (and x-amz-security-token when given) to
    /// <paramref name="headers"/> and returns the Authorization header value.
    /// Every header in <paramref name="headers"/> (plus host) is signed.
    /// </summary>
    public static string Sign(
        string method,
        Uri uri,
        List<KeyValuePair<string, string>> headers,
        ReadOnlySpan<byte> body,
        Credentials credentials,
        string region,
        string service,
        DateTimeOffset now)
    {
        string amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string date = amzDate[..8];
        headers.Add(new("x-amz-date", amzDate));
        if (!string.IsNullOrEmpty(credentials.SessionToken))
        {
            headers.Add(new("x-amz-security-token", credentials.SessionToken));
        }

        string payloadHash = FindHeader(headers, "x-amz-content-sha256") ?? Hex(SHA256.HashData(body));
        string canonicalRequest = CanonicalRequest(method, uri, headers, payloadHash, service, out string signedHeaders);
        string scope = $"{date}/{region}/{service}/aws4_request";
        string stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        byte[] key = Hmac(Encoding.UTF8.GetBytes("AWS4" + credentials.SecretKey), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        string signature = Hex(Hmac(key, stringToSign));
        return $"{Algorithm} Credential={credentials.AccessKey}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    internal static string CanonicalRequest(
        string method, Uri uri, List<KeyValuePair<string, string>> headers, string payloadHash, string service, out string signedHeaders)
    {
        // Canonical headers: lower-case names, trimmed values with inner whitespace runs collapsed,
        // sorted by name; duplicate names joined with ','. Host is always signed.
        var byName = new SortedDictionary<string, List<string>>(StringComparer.Ordinal)
        {
            ["host"] = [uri.Authority],
        };
        foreach (var (name, value) in headers)
        {
            string lower = name.ToLowerInvariant();
            if (lower == "host")
            {
                continue;
            }

            if (!byName.TryGetValue(lower, out var values))
            {
                values = [];
                byName[lower] = values;
            }

            values.Add(CollapseWhitespace(value));
        }

        var sb = new StringBuilder();
        sb.Append(method).Append('\n');
        sb.Append(CanonicalPath(uri.AbsolutePath, doubleEncode: service != "s3")).Append('\n');
        sb.Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, values) in byName)
        {
            sb.Append(name).Append(':').Append(string.Join(',', values)).Append('\n');
        }

        sb.Append('\n');
        signedHeaders = string.Join(';', byName.Keys);
        sb.Append(signedHeaders).Append('\n');
        sb.Append(payloadHash);
        return sb.ToString();
    }

    private static string CanonicalPath(string absolutePath, bool doubleEncode)
    {
        if (absolutePath.Length == 0)
        {
            return "/";
        }

        // Uri.AbsolutePath is already percent-encoded once; decode per segment and re-encode
        // strictly (RFC 3986 unreserved only). Non-S3 services encode each segment twice.
        string[] segments = absolutePath.Split('/');
        for (int i = 0; i < segments.Length; i++)
        {
            string encoded = UriEncode(Uri.UnescapeDataString(segments[i]));
            segments[i] = doubleEncode ? UriEncode(encoded) : encoded;
        }

        return string.Join('/', segments);
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length <= 1)
        {
            return string.Empty;
        }

        var pairs = new List<(string Key, string Value)>();
        foreach (string part in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=', StringComparison.Ordinal);
            string k = eq < 0 ? part : part[..eq];
            string v = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(k)), UriEncode(Uri.UnescapeDataString(v))));
        }

        pairs.Sort((a, b) =>
        {
            int c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Key + "=" + p.Value));
    }

    /// <summary>Percent-encodes everything except A-Z a-z 0-9 - _ . ~ (upper-case hex).</summary>
    internal static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    private static string CollapseWhitespace(string value)
    {
        var sb = new StringBuilder(value.Length);
        bool pendingSpace = false;
        foreach (char c in value.Trim())
        {
            if (c is ' ' or '\t')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                sb.Append(' ');
                pendingSpace = false;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string? FindHeader(List<KeyValuePair<string, string>> headers, string name)
    {
        foreach (var (k, v) in headers)
        {
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    internal static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>
    /// Known-answer test from the public SigV4 test suite ("get-vanilla"), run by --self-test.
    /// </summary>
    public static bool SelfTest(out string detail)
    {
        var headers = new List<KeyValuePair<string, string>>();
        string auth = Sign(
            "GET",
            new Uri("https://example.amazonaws.com/"),
            headers,
            [],
            new Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null),
            "us-east-1",
            "service",
            new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero));
        const string expected = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        detail = auth;
        return auth == expected;
    }
}

internal sealed record Credentials(string AccessKey, string SecretKey, string? SessionToken);
