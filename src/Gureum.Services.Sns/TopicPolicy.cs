using System.Text.Json;
using System.Text.Json.Nodes;
using Gureum.Api.Sns;
using Gureum.Core;

namespace Gureum.Services.Sns;

/// <summary>Topic access policies: AWS's default document, AddPermission/RemovePermission, and the cross-account check.</summary>
internal static class TopicPolicy
{
    private static readonly string[] DefaultActions =
    [
        "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic",
        "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
    ];

    public static string Default(string topicArn, string account) =>
        "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":["
        + string.Join(",", DefaultActions.Select(a => "\"" + a + "\""))
        + "],\"Resource\":\"" + topicArn + "\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"" + account + "\"}}}]}";

    public static string Validate(string value, string prefix)
    {
        if (value.Length == 0)
        {
            return value;
        }
        try
        {
            var node = JsonNode.Parse(value);
            if (node is not JsonObject obj || obj["Statement"] is null)
            {
                throw new InvalidParameterException($"{prefix}Policy Error: null");
            }
        }
        catch (JsonException)
        {
            throw new InvalidParameterException($"{prefix}Policy Error: null");
        }
        return value;
    }

    public static string AddStatement(string policy, string label, string topicArn, List<string> accounts, List<string> actions)
    {
        var root = JsonNode.Parse(policy)!.AsObject();
        var statements = Statements(root);
        if (statements.Any(s => s?["Sid"]?.GetValue<string>() == label))
        {
            throw new InvalidParameterException("Invalid parameter: Statement already exists");
        }
        var principals = new JsonArray(accounts.Select(a => (JsonNode?)JsonValue.Create(a.Length == 12 && a.All(char.IsAsciiDigit) ? $"arn:aws:iam::{a}:root" : a)).ToArray());
        var actionNodes = new JsonArray(actions.Select(a => (JsonNode?)JsonValue.Create(a == "*" ? "SNS:*" : "SNS:" + a)).ToArray());
        statements.Add((JsonNode)new JsonObject
        {
            ["Sid"] = label,
            ["Effect"] = "Allow",
            ["Principal"] = new JsonObject { ["AWS"] = principals.Count == 1 ? JsonValue.Create(principals[0]!.GetValue<string>()) : principals },
            ["Action"] = actionNodes.Count == 1 ? JsonValue.Create(actionNodes[0]!.GetValue<string>()) : actionNodes,
            ["Resource"] = topicArn,
        });
        return root.ToJsonString();
    }

    public static string RemoveStatement(string policy, string label)
    {
        var root = JsonNode.Parse(policy)!.AsObject();
        var statements = Statements(root);
        var statement = statements.FirstOrDefault(s => s?["Sid"]?.GetValue<string>() == label)
            ?? throw new InvalidParameterException("Invalid parameter: Statement with the specified label does not exist");
        statements.Remove(statement);
        return root.ToJsonString();
    }

    private static JsonArray Statements(JsonObject root)
    {
        if (root["Statement"] is JsonArray array)
        {
            return array;
        }
        var list = new JsonArray();
        if (root["Statement"] is JsonObject single)
        {
            root.Remove("Statement");
            list.Add((JsonNode)single);
        }
        root["Statement"] = list;
        return list;
    }

    /// <summary>Whether the policy allows <paramref name="caller"/> the action (explicit Deny wins).</summary>
    public static bool Allows(string policy, string action, CallerIdentity caller, string topicArn)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(policy)!.AsObject();
        }
        catch (JsonException)
        {
            return false;
        }
        var allowed = false;
        foreach (var statement in Statements(root).OfType<JsonObject>())
        {
            if (!Matches(statement, action, caller, topicArn))
            {
                continue;
            }
            if (statement["Effect"]?.GetValue<string>() == "Deny")
            {
                return false;
            }
            allowed = true;
        }
        return allowed;
    }

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(n => n?.GetValue<string>() ?? ""),
        JsonValue value => [value.GetValue<string>()],
        _ => [],
    };

    private static bool Matches(JsonObject statement, string action, CallerIdentity caller, string topicArn)
    {
        var principal = statement["Principal"];
        var principals = principal is JsonObject p ? Strings(p["AWS"]) : Strings(principal);
        if (!principals.Any(x => x == "*" || x == caller.AccountId || x == $"arn:aws:iam::{caller.AccountId}:root" || x == caller.Arn))
        {
            return false;
        }
        if (!Strings(statement["Action"]).Any(a => a == "*" || string.Equals(a, "sns:*", StringComparison.OrdinalIgnoreCase)
            || string.Equals(a, "sns:" + action, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }
        if (!Strings(statement["Resource"]).Any(r => r == "*" || r == topicArn))
        {
            return false;
        }
        if (statement["Condition"] is JsonObject conditions)
        {
            foreach (var (op, body) in conditions)
            {
                if (op != "StringEquals" || body is not JsonObject keys)
                {
                    return false;
                }
                foreach (var (key, values) in keys)
                {
                    var actual = key.ToLowerInvariant() switch
                    {
                        "aws:sourceowner" or "aws:sourceaccount" or "aws:principalaccount" => caller.AccountId,
                        "aws:principalarn" => caller.Arn,
                        _ => null,
                    };
                    if (actual is null || !Strings(values).Contains(actual))
                    {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
