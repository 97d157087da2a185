using System.Globalization;

namespace Gureum.Auth;

/// <summary>The SigV4 parameters of a request, from either the Authorization header or a presigned query.</summary>
internal sealed class ParsedAuth
{
    public required string AccessKeyId { get; init; }
    public required string ScopeDate { get; init; }
    public required string Region { get; init; }
    public required string Service { get; init; }
    public required string[] SignedHeaders { get; init; }
    public required string SignedHeadersRaw { get; init; }
    public required string Signature { get; init; }
    public string Scope => $"{ScopeDate}/{Region}/{Service}/aws4_request";
}

/// <summary>Strict parsing of the two SigV4 forms, returning AWS-worded failures.</summary>
internal static class AuthorizationParser
{
    /// <summary>Parses "AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..".</summary>
    public static ParsedAuth? ParseHeader(string header, out AuthFailure? failure)
    {
        failure = null;
        var trimmed = header.Trim();
        var space = trimmed.IndexOf(' ');
        var algorithm = space < 0 ? trimmed : trimmed[..space];
        if (algorithm != SigV4Canonical.Algorithm)
        {
            failure = algorithm switch
            {
                "AWS4-ECDSA-P256-SHA256" => new(AuthFailureKind.UnsupportedAlgorithm, "SigV4a (AWS4-ECDSA-P256-SHA256) is not supported; use SigV4."),
                "AWS" => new(AuthFailureKind.UnsupportedAlgorithm, "Signature Version 2 is not supported; use AWS4-HMAC-SHA256."),
                _ => new(AuthFailureKind.UnsupportedAlgorithm, "Unsupported Authorization Type"),
            };
            return null;
        }

        string? credential = null, signedHeaders = null, signature = null;
        foreach (var part in trimmed[(space + 1)..].Split(','))
        {
            var p = part.Trim();
            var eq = p.IndexOf('=');
            if (eq <= 0)
                continue;
            var name = p[..eq].Trim();
            var value = p[(eq + 1)..].Trim();
            // First occurrence wins; a repeated component cannot override a signed value.
            if (name == "Credential")
                credential ??= value;
            else if (name == "SignedHeaders")
                signedHeaders ??= value;
            else if (name == "Signature")
                signature ??= value;
        }

        var missing = "";
        if (string.IsNullOrEmpty(credential))
            missing += "Authorization header requires 'Credential' parameter. ";
        if (string.IsNullOrEmpty(signature))
            missing += "Authorization header requires 'Signature' parameter. ";
        if (string.IsNullOrEmpty(signedHeaders))
            missing += "Authorization header requires 'SignedHeaders' parameter. ";
        if (missing.Length > 0)
        {
            failure = new(AuthFailureKind.IncompleteSignature, missing + "Authorization=" + header);
            return null;
        }
        return Build(credential!, signedHeaders!, signature!, AuthFailureKind.IncompleteSignature, out failure);
    }

    /// <summary>Parses the X-Amz-* presign parameters; Expires is validated by the caller (needs the clock).</summary>
    public static ParsedAuth? ParsePresigned(IReadOnlyList<KeyValuePair<string, string>> query, out string? date,
        out string? expires, out string? token, out AuthFailure? failure)
    {
        string? algorithm = Get(query, "X-Amz-Algorithm"), credential = Get(query, "X-Amz-Credential"),
            signedHeaders = Get(query, "X-Amz-SignedHeaders"), signature = Get(query, "X-Amz-Signature");
        date = Get(query, "X-Amz-Date");
        expires = Get(query, "X-Amz-Expires");
        token = Get(query, "X-Amz-Security-Token");
        if (algorithm is null || credential is null || signedHeaders is null || signature is null || date is null || expires is null)
        {
            failure = new(AuthFailureKind.AuthorizationQueryParametersError,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
            return null;
        }
        if (algorithm != SigV4Canonical.Algorithm)
        {
            failure = new(AuthFailureKind.UnsupportedAlgorithm, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
            return null;
        }
        return Build(credential, signedHeaders, signature, AuthFailureKind.AuthorizationQueryParametersError, out failure);
    }

    public static string? Get(IReadOnlyList<KeyValuePair<string, string>> list, string name)
    {
        foreach (var kv in list)
        {
            if (kv.Key == name)
                return kv.Value;
        }
        return null;
    }

    private static ParsedAuth? Build(string credential, string signedHeaders, string signature, AuthFailureKind kind, out AuthFailure? failure)
    {
        failure = null;
        // Credential = AKID/yyyyMMdd/region/service/aws4_request; exactly 5 elements like AWS demands.
        var parts = credential.Split('/');
        if (parts.Length != 5 || parts.Any(p => p.Length == 0))
        {
            failure = new(kind, $"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'");
            return null;
        }
        if (parts[4] != "aws4_request")
        {
            failure = new(kind, $"Credential should be scoped with a valid terminator: 'aws4_request', not '{parts[4]}'.");
            return null;
        }
        if (!DateTime.TryParseExact(parts[1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            failure = new(kind, $"Date must be in ISO-8601 'basic format'. Got '{parts[1]}'. See http://en.wikipedia.org/wiki/ISO_8601");
            return null;
        }
        var names = signedHeaders.Split(';');
        foreach (var n in names)
        {
            if (n.Length == 0 || n != n.ToLowerInvariant() || n.Trim() != n)
            {
                failure = new(kind, $"Invalid SignedHeaders '{signedHeaders}': names must be lowercase and ';'-separated.");
                return null;
            }
        }
        return new ParsedAuth
        {
            AccessKeyId = parts[0], ScopeDate = parts[1], Region = parts[2], Service = parts[3],
            SignedHeaders = names, SignedHeadersRaw = signedHeaders, Signature = signature,
        };
    }

    /// <summary>Parses an ISO-8601 basic timestamp (20130524T000000Z).</summary>
    public static bool TryParseAmzDate(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(s, SigV4Canonical.TimestampFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    /// <summary>Parses an HTTP Date header (RFC 1123), which SigV4 allows instead of X-Amz-Date.</summary>
    public static bool TryParseHttpDate(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParseExact(s?.Trim(), "r", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
}
