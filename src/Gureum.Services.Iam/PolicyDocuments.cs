using System.Text.Json;
using Gureum.Api.Iam;

namespace Gureum.Services.Iam;

/// <summary>
/// Grammar checks of IAM policy documents with IAM's own MalformedPolicyDocument messages, size
/// quotas (counted without whitespace, as IAM does), and the URL encoding IAM applies to every
/// document it returns.
/// </summary>
public static class PolicyDocuments
{
    public enum Kind
    {
        /// <summary>Managed or inline identity policy: Resource required, Principal forbidden.</summary>
        Identity,
        /// <summary>Role trust policy: Principal expected, Resource forbidden.</summary>
        Trust,
    }

    private static readonly HashSet<string> TopLevel = new(StringComparer.Ordinal) { "Version", "Id", "Statement" };
    private static readonly HashSet<string> StatementKeys = new(StringComparer.Ordinal)
    {
        "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition",
    };

    /// <summary>IAM returns documents percent-encoded (RFC 3986); SDKs decode them.</summary>
    public static string Encode(string document) => Uri.EscapeDataString(document);

    /// <summary>Characters that count towards IAM's policy size quotas (whitespace excluded).</summary>
    public static int Size(string document)
    {
        var count = 0;
        foreach (var c in document)
        {
            if (!char.IsWhiteSpace(c))
            {
                count++;
            }
        }
        return count;
    }

    public static void CheckSize(string document, string quota, int limit)
    {
        if (Size(document) > limit)
        {
            throw new LimitExceededException($"Cannot exceed quota for {quota}: {limit}");
        }
    }

    public static void Validate(string document, Kind kind)
    {
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(document);
        }
        catch (JsonException)
        {
            throw Malformed("Syntax errors in policy.");
        }
        using (parsed)
        {
            var root = parsed.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("Syntax errors in policy.");
            }
            foreach (var property in root.EnumerateObject())
            {
                if (!TopLevel.Contains(property.Name))
                {
                    throw Malformed("Syntax errors in policy.");
                }
            }
            if (!root.TryGetProperty("Version", out var version) || version.ValueKind != JsonValueKind.String)
            {
                throw Malformed("Policy document must be version 2012-10-17 or greater.");
            }
            if (version.GetString() is not ("2012-10-17" or "2008-10-17"))
            {
                throw Malformed("The policy failed legacy parsing");
            }
            if (!root.TryGetProperty("Statement", out var statements))
            {
                throw Malformed("Syntax errors in policy.");
            }
            if (statements.ValueKind == JsonValueKind.Object)
            {
                ValidateStatement(statements, kind);
            }
            else if (statements.ValueKind == JsonValueKind.Array)
            {
                foreach (var statement in statements.EnumerateArray())
                {
                    ValidateStatement(statement, kind);
                }
            }
            else
            {
                throw Malformed("Syntax errors in policy.");
            }
        }
    }

    private static void ValidateStatement(JsonElement statement, Kind kind)
    {
        if (statement.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("Syntax errors in policy.");
        }
        foreach (var property in statement.EnumerateObject())
        {
            if (!StatementKeys.Contains(property.Name))
            {
                throw Malformed("Syntax errors in policy.");
            }
        }
        if (!statement.TryGetProperty("Effect", out var effect) || effect.ValueKind != JsonValueKind.String
            || effect.GetString() is not ("Allow" or "Deny"))
        {
            throw Malformed("Syntax errors in policy.");
        }
        var hasAction = statement.TryGetProperty("Action", out var action);
        var hasNotAction = statement.TryGetProperty("NotAction", out var notAction);
        if (hasAction == hasNotAction)
        {
            throw Malformed("Policy statement must contain actions.");
        }
        foreach (var name in Strings(hasAction ? action : notAction))
        {
            if (name != "*" && (name.IndexOf(':', StringComparison.Ordinal) <= 0))
            {
                throw Malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.");
            }
        }
        var hasResource = statement.TryGetProperty("Resource", out var resource);
        var hasNotResource = statement.TryGetProperty("NotResource", out var notResource);
        var hasPrincipal = statement.TryGetProperty("Principal", out _) || statement.TryGetProperty("NotPrincipal", out _);
        if (kind == Kind.Identity)
        {
            if (hasPrincipal)
            {
                throw Malformed("Policy document should not specify a principal.");
            }
            if (hasResource == hasNotResource)
            {
                throw Malformed("Policy statement must contain resources.");
            }
            foreach (var arn in Strings(hasResource ? resource : notResource))
            {
                if (arn != "*" && !arn.StartsWith("arn:", StringComparison.Ordinal))
                {
                    throw Malformed($"Resource {arn} must be in ARN format or \"*\".");
                }
            }
        }
        else
        {
            if (hasResource)
            {
                throw Malformed("Has prohibited field Resource");
            }
            if (hasNotResource)
            {
                throw Malformed("Has prohibited field NotResource");
            }
            if (!hasPrincipal)
            {
                throw Malformed("Syntax errors in policy.");
            }
        }
        if (statement.TryGetProperty("Condition", out var condition) && condition.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("Syntax errors in policy.");
        }
    }

    /// <summary>A string or an array of strings (anything else is a syntax error).</summary>
    internal static IEnumerable<string> Strings(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return [value.GetString()!];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Malformed("Syntax errors in policy.");
        }
        var list = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw Malformed("Syntax errors in policy.");
            }
            list.Add(item.GetString()!);
        }
        return list;
    }

    private static MalformedPolicyDocumentException Malformed(string message) => new(message);
}
