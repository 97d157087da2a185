using System.Text.Json;

namespace Gureum.Services.S3;

/// <summary>
/// A small, self-contained bucket-policy evaluator: Effect, Principal ("*", {"AWS": "*"|account|arn}),
/// Action/NotAction and Resource/NotResource with * and ? wildcards. Conditions make a statement
/// not apply (they are not evaluated yet). The full IAM engine replaces this later.
/// </summary>
internal static class BucketPolicy
{
    public enum Decision { NotApplicable, Allow, Deny }

    /// <summary>Validates a policy document as PutBucketPolicy does; returns the AWS message when it is malformed.</summary>
    public static string? Validate(string? text, string bucket)
    {
        if (string.IsNullOrEmpty(text) || text.TrimStart()[0] != '{')
        {
            return "Policies must be valid JSON and the first byte must be '{'";
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return "Policies must be valid JSON and the first byte must be '{'";
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return "Policies must be valid JSON and the first byte must be '{'";
            }
            if (!doc.RootElement.TryGetProperty("Statement", out var statements))
            {
                return "Missing required field Statement";
            }
            foreach (var statement in Statements(statements))
            {
                if (statement.ValueKind != JsonValueKind.Object)
                {
                    return "Policies must be valid JSON and the first byte must be '{'";
                }
                if (!statement.TryGetProperty("Effect", out var effect))
                {
                    return "Missing required field Effect";
                }
                if (effect.ValueKind != JsonValueKind.String || effect.GetString() is not ("Allow" or "Deny"))
                {
                    return "Invalid effect: " + (effect.ValueKind == JsonValueKind.String ? effect.GetString() : effect.GetRawText());
                }
                if (!statement.TryGetProperty("Principal", out _) && !statement.TryGetProperty("NotPrincipal", out _))
                {
                    return "Missing required field Principal";
                }
                var hasAction = statement.TryGetProperty("Action", out var actions);
                if (!hasAction && !statement.TryGetProperty("NotAction", out actions))
                {
                    return "Missing required field Action";
                }
                foreach (var action in Strings(actions))
                {
                    if (action != "*" && !action.StartsWith("s3:", StringComparison.OrdinalIgnoreCase))
                    {
                        return "Policy has invalid action";
                    }
                }
                var hasResource = statement.TryGetProperty("Resource", out var resources);
                if (!hasResource && !statement.TryGetProperty("NotResource", out resources))
                {
                    return "Missing required field Resource";
                }
                foreach (var resource in Strings(resources))
                {
                    var prefix = "arn:aws:s3:::" + bucket;
                    if (!Glob(resource, prefix) && !Glob(resource, prefix + "/x")
                        && !(resource.StartsWith(prefix, StringComparison.Ordinal) && (resource.Length == prefix.Length || resource[prefix.Length] == '/')))
                    {
                        return "Policy has invalid resource";
                    }
                }
            }
        }
        return null;
    }

    /// <summary>The policy's decision for one call. Explicit Deny wins over Allow.</summary>
    public static Decision Evaluate(string policy, string action, string resource, string? callerAccount, string? callerArn)
    {
        using var doc = JsonDocument.Parse(policy);
        var result = Decision.NotApplicable;
        if (!doc.RootElement.TryGetProperty("Statement", out var statements))
        {
            return result;
        }
        foreach (var statement in Statements(statements))
        {
            if (statement.TryGetProperty("Condition", out _))
            {
                continue;
            }
            if (!PrincipalMatches(statement, callerAccount, callerArn)
                || !Matches(statement, "Action", "NotAction", action, ignoreCase: true)
                || !Matches(statement, "Resource", "NotResource", resource, ignoreCase: false))
            {
                continue;
            }
            if (statement.GetProperty("Effect").GetString() == "Deny")
            {
                return Decision.Deny;
            }
            result = Decision.Allow;
        }
        return result;
    }

    /// <summary>Whether a statement allows everyone (GetBucketPolicyStatus's IsPublic).</summary>
    public static bool IsPublic(string policy)
    {
        using var doc = JsonDocument.Parse(policy);
        if (!doc.RootElement.TryGetProperty("Statement", out var statements))
        {
            return false;
        }
        foreach (var statement in Statements(statements))
        {
            if (statement.GetProperty("Effect").GetString() == "Allow" && !statement.TryGetProperty("Condition", out _)
                && statement.TryGetProperty("Principal", out _) && PrincipalMatches(statement, null, null))
            {
                return true;
            }
        }
        return false;
    }

    private static bool PrincipalMatches(JsonElement statement, string? account, string? arn)
    {
        if (statement.TryGetProperty("NotPrincipal", out var notPrincipal))
        {
            return !PrincipalValueMatches(notPrincipal, account, arn);
        }
        return statement.TryGetProperty("Principal", out var principal) && PrincipalValueMatches(principal, account, arn);
    }

    private static bool PrincipalValueMatches(JsonElement principal, string? account, string? arn)
    {
        if (principal.ValueKind == JsonValueKind.String)
        {
            return principal.GetString() == "*";
        }
        if (principal.ValueKind != JsonValueKind.Object || !principal.TryGetProperty("AWS", out var aws))
        {
            return false;
        }
        foreach (var value in Strings(aws))
        {
            if (value == "*")
            {
                return true;
            }
            if (account is null)
            {
                continue;
            }
            if (value == account || value == $"arn:aws:iam::{account}:root" || value == arn)
            {
                return true;
            }
        }
        return false;
    }

    private static bool Matches(JsonElement statement, string name, string notName, string value, bool ignoreCase)
    {
        if (statement.TryGetProperty(name, out var values))
        {
            return Strings(values).Any(p => Glob(p, value, ignoreCase));
        }
        return statement.TryGetProperty(notName, out var notValues) && !Strings(notValues).Any(p => Glob(p, value, ignoreCase));
    }

    private static IEnumerable<JsonElement> Statements(JsonElement statements) =>
        statements.ValueKind == JsonValueKind.Array ? statements.EnumerateArray() : [statements];

    private static IEnumerable<string> Strings(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            yield return element.GetString()!;
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    yield return item.GetString()!;
                }
            }
        }
    }

    /// <summary>IAM wildcard match: * is any run of characters, ? one character.</summary>
    internal static bool Glob(string pattern, string value, bool ignoreCase = false)
    {
        int p = 0, v = 0, star = -1, mark = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || Same(pattern[p], value[v], ignoreCase)))
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

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));
}
