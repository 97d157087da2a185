using System.Globalization;
using System.Net;
using System.Text.Json;
using Gureum.Api.Sns;

namespace Gureum.Services.Sns;

internal enum FilterValueKind { String, Number, Bool, Null, Binary }

/// <summary>One value a filter policy key sees: a message attribute (or array element) or a payload leaf.</summary>
internal readonly record struct FilterValue(FilterValueKind Kind, string? Text, double Number = 0, bool Bool = false)
{
    public static FilterValue Str(string s) => new(FilterValueKind.String, s);

    public static FilterValue Num(double d, string text) => new(FilterValueKind.Number, text, d);
}

/// <summary>
/// SNS subscription filter policies: AWS's grammar (exact strings and numbers, prefix, suffix,
/// equals-ignore-case, anything-but with values, lists and prefix/suffix, numeric ranges, exists, cidr,
/// nested keys for payload-based policies, $or) with AWS's validation messages and limits.
/// </summary>
internal sealed class FilterPolicy
{
    public const string AttributesScope = "MessageAttributes";
    public const string BodyScope = "MessageBody";

    private readonly JsonElement _root;

    private FilterPolicy(JsonElement root) => _root = root;

    public bool IsEmpty => _root.ValueKind != JsonValueKind.Object || !_root.EnumerateObject().Any();

    /// <summary>Parses and validates a policy; throws InvalidParameter with AWS's messages.</summary>
    public static FilterPolicy Parse(string json, string scope, bool subscribeCall)
    {
        var prefix = subscribeCall ? "Invalid parameter: Attributes Reason: " : "Invalid parameter: ";
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(json);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: failed to parse JSON.");
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Filter policy must be a JSON object");
        }
        var policy = new FilterPolicy(root);
        if (root.EnumerateObject().Count() > 5)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Filter policy can not have more than 5 keys");
        }
        var rules = new List<JsonElement>();
        var combinations = Aggregate(root, scope, prefix, 1, 1, rules);
        if (combinations > 150)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Filter policy is too complex");
        }
        foreach (var rule in rules)
        {
            ValidateRule(rule, prefix);
        }
        return policy;
    }

    private static long Aggregate(JsonElement node, string scope, string prefix, int depth, long combinations, List<JsonElement> rules)
    {
        foreach (var property in node.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Object)
            {
                combinations = Aggregate(value, scope, prefix, depth + 1, combinations, rules);
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                if (value.GetArrayLength() == 0)
                {
                    throw new InvalidParameterException($"{prefix}FilterPolicy: Empty arrays are not allowed");
                }
                if (property.Name == "$or")
                {
                    long total = 0;
                    foreach (var alternative in value.EnumerateArray())
                    {
                        if (alternative.ValueKind != JsonValueKind.Object)
                        {
                            throw new InvalidParameterException($"{prefix}FilterPolicy: \"$or\" must be an object or an array");
                        }
                        total += Aggregate(alternative, scope, prefix, depth, combinations, rules);
                    }
                    combinations = total;
                }
                else
                {
                    foreach (var rule in value.EnumerateArray())
                    {
                        rules.Add(rule);
                    }
                    combinations = combinations * value.GetArrayLength() * depth;
                }
            }
            else
            {
                throw new InvalidParameterException($"{prefix}FilterPolicy: \"{property.Name}\" must be an object or an array");
            }
        }
        if (scope == AttributesScope && depth > 1)
        {
            throw new InvalidParameterException($"{prefix}Filter policy scope MessageAttributes does not support nested filter policy");
        }
        return combinations;
    }

    private static void ValidateRule(JsonElement rule, string prefix)
    {
        switch (rule.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null:
                return;
            case JsonValueKind.Object:
                break;
            default:
                throw new InvalidParameterException($"{prefix}FilterPolicy: Match value must be String, number, true, false, or null");
        }
        var properties = rule.EnumerateObject().ToList();
        if (properties.Count != 1)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Only one key allowed in match expression");
        }
        var (op, value) = (properties[0].Name, properties[0].Value);
        switch (op)
        {
            case "prefix" or "suffix" or "equals-ignore-case":
                if (value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidParameterException($"{prefix}FilterPolicy: {op} match pattern must be a string");
                }
                return;
            case "anything-but":
                if (value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var v in value.EnumerateArray())
                    {
                        if (v.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                        {
                            throw new InvalidParameterException($"{prefix}FilterPolicy: Inside anything but list, start|null|boolean is not supported.");
                        }
                    }
                    return;
                }
                if (value.ValueKind == JsonValueKind.Object)
                {
                    foreach (var inner in value.EnumerateObject())
                    {
                        if (inner.Name is not ("prefix" or "suffix" or "equals-ignore-case"))
                        {
                            throw new InvalidParameterException($"{prefix}FilterPolicy: Unsupported anything-but pattern: {inner.Name}");
                        }
                    }
                }
                ValidateRule(value, prefix);
                return;
            case "exists":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    throw new InvalidParameterException($"{prefix}FilterPolicy: exists match pattern must be either true or false.");
                }
                return;
            case "numeric":
                ValidateNumeric(value, prefix);
                return;
            case "cidr":
                ValidateCidr(value, prefix);
                return;
            default:
                throw new InvalidParameterException($"{prefix}FilterPolicy: Unrecognized match type {op}");
        }
    }

    private static void ValidateNumeric(JsonElement value, string prefix)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Invalid member in numeric match: ]");
        }
        var items = value.EnumerateArray().ToList();
        var op = items[0];
        if (op.ValueKind != JsonValueKind.String)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Invalid member in numeric match: {op.GetRawText()}");
        }
        var first = op.GetString()!;
        if (first is not ("<" or "<=" or "=" or ">" or ">="))
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Unrecognized numeric range operator: {first}");
        }
        if (items.Count < 2 || items[1].ValueKind != JsonValueKind.Number)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Value of {(first == "=" ? "equals" : first)} must be numeric");
        }
        if (items.Count == 2)
        {
            return;
        }
        if (first is not (">" or ">="))
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Too many elements in numeric expression");
        }
        if (items[2].ValueKind != JsonValueKind.String)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Bad value in numeric range: {items[2].GetRawText()}");
        }
        var second = items[2].GetString()!;
        if (second is not ("<" or "<="))
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Bad numeric range operator: {second}");
        }
        if (items.Count < 4 || items[3].ValueKind != JsonValueKind.Number)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Value of {second} must be numeric");
        }
        if (items[3].GetDouble() <= items[1].GetDouble())
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Bottom must be less than top");
        }
        if (items.Count > 4)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Too many terms in numeric range expression");
        }
    }

    private static void ValidateCidr(JsonElement value, string prefix)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: prefix match pattern must be a string");
        }
        var parts = value.GetString()!.Split('/');
        if (parts.Length != 2)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Malformed CIDR, one '/' required");
        }
        if (!int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bits))
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Malformed CIDR, mask bits must be an integer");
        }
        if (!TryParseIp(parts[0], out var ip) || bits < 0 || bits > ip.GetAddressBytes().Length * 8)
        {
            throw new InvalidParameterException($"{prefix}FilterPolicy: Nonstandard IP address: {parts[0]}");
        }
    }

    // ---------------------------------------------------------------- matching

    /// <summary>True when the message passes. <paramref name="lookup"/> gives a key's values (dotted path), or null when absent.</summary>
    public bool Matches(Func<string, List<FilterValue>?> lookup) => MatchObject(_root, "", lookup);

    private static bool MatchObject(JsonElement node, string path, Func<string, List<FilterValue>?> lookup)
    {
        foreach (var property in node.EnumerateObject())
        {
            bool ok;
            if (property.Name == "$or" && property.Value.ValueKind == JsonValueKind.Array)
            {
                ok = property.Value.EnumerateArray().Any(alternative => MatchObject(alternative, path, lookup));
            }
            else if (property.Value.ValueKind == JsonValueKind.Object)
            {
                ok = MatchObject(property.Value, path + property.Name + ".", lookup);
            }
            else
            {
                var values = lookup(path + property.Name);
                ok = property.Value.EnumerateArray().Any(rule => RuleMatches(rule, values));
            }
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool RuleMatches(JsonElement rule, List<FilterValue>? values)
    {
        if (rule.ValueKind == JsonValueKind.Object)
        {
            var property = rule.EnumerateObject().First();
            var arg = property.Value;
            switch (property.Name)
            {
                case "exists":
                    return arg.ValueKind == JsonValueKind.True ? values is { Count: > 0 } : values is null;
                case "anything-but":
                    return values is { Count: > 0 } && values.Any(v => v.Kind != FilterValueKind.Binary && !AnythingButHit(arg, v));
                case "numeric":
                    return values is not null && values.Any(v => v.Kind == FilterValueKind.Number && NumericMatches(arg, v.Number));
                case "cidr":
                    return values is not null && values.Any(v => v.Kind == FilterValueKind.String && CidrMatches(arg.GetString()!, v.Text!));
            }
        }
        return values is not null && values.Any(v => ScalarMatches(rule, v));
    }

    private static bool ScalarMatches(JsonElement rule, FilterValue v) => rule.ValueKind switch
    {
        JsonValueKind.String => v.Kind == FilterValueKind.String && v.Text == rule.GetString(),
        JsonValueKind.Number => v.Kind == FilterValueKind.Number && v.Number == rule.GetDouble(),
        JsonValueKind.True => v.Kind == FilterValueKind.Bool && v.Bool,
        JsonValueKind.False => v.Kind == FilterValueKind.Bool && !v.Bool,
        JsonValueKind.Null => v.Kind == FilterValueKind.Null,
        JsonValueKind.Object => StringOperator(rule.EnumerateObject().First(), v),
        _ => false,
    };

    private static bool StringOperator(JsonProperty op, FilterValue v)
    {
        if (v.Kind != FilterValueKind.String || op.Value.ValueKind != JsonValueKind.String)
        {
            return false;
        }
        var arg = op.Value.GetString()!;
        return op.Name switch
        {
            "prefix" => v.Text!.StartsWith(arg, StringComparison.Ordinal),
            "suffix" => v.Text!.EndsWith(arg, StringComparison.Ordinal),
            "equals-ignore-case" => string.Equals(v.Text, arg, StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    private static bool AnythingButHit(JsonElement arg, FilterValue v) => arg.ValueKind switch
    {
        JsonValueKind.Array => arg.EnumerateArray().Any(a => AnythingButHit(a, v)),
        JsonValueKind.Object => StringOperator(arg.EnumerateObject().First(), v),
        _ => ScalarMatches(arg, v),
    };

    private static bool NumericMatches(JsonElement arg, double value)
    {
        var items = arg.EnumerateArray().ToList();
        for (var i = 0; i + 1 < items.Count; i += 2)
        {
            var bound = items[i + 1].GetDouble();
            var ok = items[i].GetString() switch
            {
                "<" => value < bound,
                "<=" => value <= bound,
                "=" => value == bound,
                ">" => value > bound,
                ">=" => value >= bound,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static bool CidrMatches(string cidr, string address)
    {
        var parts = cidr.Split('/');
        if (!TryParseIp(parts[0], out var network) || !TryParseIp(address, out var ip)
            || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bits))
        {
            return false;
        }
        var a = network.GetAddressBytes();
        var b = ip.GetAddressBytes();
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xFF : (byte)(0xFF << (8 - bits));
            if ((a[i] & mask) != (b[i] & mask))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Dotted-quad IPv4 or IPv6 only (IPAddress.TryParse also takes legacy forms such as "1.2.3").</summary>
    private static bool TryParseIp(string text, out IPAddress address)
    {
        address = IPAddress.None;
        if (!text.Contains(':', StringComparison.Ordinal) && text.Split('.').Length != 4)
        {
            return false;
        }
        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }
        address = parsed;
        return true;
    }

    // ---------------------------------------------------------------- message views

    /// <summary>The values of message attributes (String, Number, String.Array; Binary only counts for exists).</summary>
    public static Func<string, List<FilterValue>?> AttributeLookup(IReadOnlyDictionary<string, MessageAttributeValue>? attributes) => key =>
    {
        if (attributes is null || !attributes.TryGetValue(key, out var a))
        {
            return null;
        }
        var type = a.DataType ?? "String";
        if (type.StartsWith("Binary", StringComparison.Ordinal))
        {
            return [new FilterValue(FilterValueKind.Binary, null)];
        }
        var text = a.StringValue ?? "";
        if (type.StartsWith("Number", StringComparison.Ordinal))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? [FilterValue.Num(d, text)] : [FilterValue.Str(text)];
        }
        if (type == "String.Array")
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Array)
                {
                    var list = new List<FilterValue>();
                    foreach (var e in doc.RootElement.EnumerateArray())
                    {
                        list.Add(FromJson(e));
                    }
                    return list;
                }
            }
            catch (JsonException)
            {
            }
        }
        return [FilterValue.Str(text)];
    };

    /// <summary>The values at a dotted path of a JSON message body (arrays match any element); null when the body is not JSON.</summary>
    public static Func<string, List<FilterValue>?>? BodyLookup(string body)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(body);
            root = doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return path =>
        {
            var current = new List<JsonElement> { root };
            foreach (var segment in path.Split('.'))
            {
                var next = new List<JsonElement>();
                foreach (var node in current)
                {
                    foreach (var obj in Flatten(node))
                    {
                        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(segment, out var child))
                        {
                            next.Add(child);
                        }
                    }
                }
                if (next.Count == 0)
                {
                    return null;
                }
                current = next;
            }
            var values = new List<FilterValue>();
            foreach (var leaf in current.SelectMany(Flatten))
            {
                if (leaf.ValueKind != JsonValueKind.Object)
                {
                    values.Add(FromJson(leaf));
                }
            }
            return values.Count == 0 ? null : values;
        };
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e];

    private static FilterValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => FilterValue.Str(e.GetString()!),
        JsonValueKind.Number => FilterValue.Num(e.GetDouble(), e.GetRawText()),
        JsonValueKind.True => new FilterValue(FilterValueKind.Bool, "true", 0, true),
        JsonValueKind.False => new FilterValue(FilterValueKind.Bool, "false", 0, false),
        _ => new FilterValue(FilterValueKind.Null, null),
    };
}
