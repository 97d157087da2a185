using System.Text.Json;

namespace Gureum.Services.Iam;

/// <summary>Who asks to assume a role, for the trust policy check.</summary>
/// <param name="Action">sts:AssumeRole, sts:AssumeRoleWithWebIdentity, ...</param>
/// <param name="CallerAccount">The caller's account (empty for web identity).</param>
/// <param name="CallerArns">ARNs the caller matches as an AWS principal (user ARN; for a role session both the
/// session ARN and the role ARN).</param>
/// <param name="Federated">The federated provider (web identity), or null.</param>
/// <param name="Context">Condition keys with their values (e.g. sts:ExternalId), case-insensitive names.</param>
public sealed record TrustRequest(
    string Action,
    string CallerAccount,
    IReadOnlyList<string> CallerArns,
    string? Federated,
    IReadOnlyDictionary<string, string> Context);

/// <summary>
/// The minimal trust policy evaluation that AssumeRole needs until the full policy engine lands:
/// explicit Deny wins; an Allow statement applies when its Action (or NotAction) covers the request,
/// its Principal names the caller (<c>*</c>, the caller's account id or root ARN, the caller's ARN,
/// the federated provider), and every condition holds. Conditions supported: String*(IfExists) and
/// Bool/Null on the keys in <see cref="TrustRequest.Context"/>; any other operator does not hold.
/// </summary>
public static class TrustPolicy
{
    public static bool Allows(string document, TrustRequest request)
    {
        using var parsed = JsonDocument.Parse(document);
        if (!parsed.RootElement.TryGetProperty("Statement", out var statements))
        {
            return false;
        }
        var allowed = false;
        foreach (var statement in statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray().ToList() : [statements])
        {
            if (!Applies(statement, request))
            {
                continue;
            }
            var effect = statement.TryGetProperty("Effect", out var e) ? e.GetString() : null;
            if (effect == "Deny")
            {
                return false;
            }
            if (effect == "Allow")
            {
                allowed = true;
            }
        }
        return allowed;
    }

    private static bool Applies(JsonElement statement, TrustRequest request)
    {
        if (statement.TryGetProperty("Action", out var action))
        {
            if (!PolicyDocuments.Strings(action).Any(a => Glob(a, request.Action)))
            {
                return false;
            }
        }
        else if (statement.TryGetProperty("NotAction", out var notAction))
        {
            if (PolicyDocuments.Strings(notAction).Any(a => Glob(a, request.Action)))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        if (statement.TryGetProperty("Principal", out var principal))
        {
            if (!PrincipalMatches(principal, request))
            {
                return false;
            }
        }
        else if (statement.TryGetProperty("NotPrincipal", out var notPrincipal))
        {
            if (PrincipalMatches(notPrincipal, request))
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        return !statement.TryGetProperty("Condition", out var condition) || ConditionsHold(condition, request.Context);
    }

    private static bool PrincipalMatches(JsonElement principal, TrustRequest request)
    {
        if (principal.ValueKind == JsonValueKind.String)
        {
            return principal.GetString() == "*";
        }
        if (principal.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        foreach (var entry in principal.EnumerateObject())
        {
            foreach (var value in PolicyDocuments.Strings(entry.Value))
            {
                switch (entry.Name)
                {
                    case "AWS":
                        if (value == "*" || (request.CallerAccount.Length > 0 && (value == request.CallerAccount
                            || value == $"arn:aws:iam::{request.CallerAccount}:root"))
                            || request.CallerArns.Contains(value, StringComparer.Ordinal))
                        {
                            return true;
                        }
                        break;
                    case "Federated":
                        if (request.Federated is not null && (value == request.Federated
                            || value.EndsWith(":oidc-provider/" + request.Federated, StringComparison.Ordinal)
                            || value.EndsWith(":saml-provider/" + request.Federated, StringComparison.Ordinal)))
                        {
                            return true;
                        }
                        break;
                }
            }
        }
        return false;
    }

    private static bool ConditionsHold(JsonElement condition, IReadOnlyDictionary<string, string> context)
    {
        foreach (var op in condition.EnumerateObject())
        {
            var name = op.Name;
            var ifExists = name.EndsWith("IfExists", StringComparison.Ordinal);
            if (ifExists)
            {
                name = name[..^"IfExists".Length];
            }
            foreach (var keyEntry in op.Value.EnumerateObject())
            {
                var present = context.TryGetValue(keyEntry.Name, out var actual);
                var expected = PolicyDocuments.Strings(keyEntry.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? JsonDocument.Parse($"\"{(keyEntry.Value.GetBoolean() ? "true" : "false")}\"").RootElement
                    : keyEntry.Value).ToList();
                if (name == "Null")
                {
                    var wantsNull = expected.Contains("true", StringComparer.OrdinalIgnoreCase);
                    if (wantsNull == present)
                    {
                        return false;
                    }
                    continue;
                }
                if (!present)
                {
                    if (ifExists || name.StartsWith("StringNot", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    return false;
                }
                var holds = name switch
                {
                    "StringEquals" or "Bool" => expected.Contains(actual!, StringComparer.Ordinal),
                    "StringEqualsIgnoreCase" => expected.Contains(actual!, StringComparer.OrdinalIgnoreCase),
                    "StringNotEquals" => !expected.Contains(actual!, StringComparer.Ordinal),
                    "StringNotEqualsIgnoreCase" => !expected.Contains(actual!, StringComparer.OrdinalIgnoreCase),
                    "StringLike" => expected.Any(p => Glob(p, actual!, ignoreCase: false)),
                    "StringNotLike" => !expected.Any(p => Glob(p, actual!, ignoreCase: false)),
                    _ => false,
                };
                if (!holds)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>IAM wildcard match: <c>*</c> any run, <c>?</c> one character.</summary>
    public static bool Glob(string pattern, string value, bool ignoreCase = true)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || CharEquals(pattern[p], value[v], ignoreCase)))
            {
                p++;
                v++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = v;
            }
            else if (star >= 0)
            {
                p = star + 1;
                v = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }

    private static bool CharEquals(char a, char b, bool ignoreCase) =>
        ignoreCase ? char.ToLowerInvariant(a) == char.ToLowerInvariant(b) : a == b;
}
