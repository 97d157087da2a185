using System.Globalization;
using System.Text;
using Gureum.Core;

namespace Gureum.Services.DynamoDb;

/// <summary>A canonical text of a request's value tree, to compare the parameters of idempotent retries.</summary>
internal static class RequestFingerprint
{
    public static string Of(object? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? node)
    {
        switch (node)
        {
            case null:
                sb.Append('~');
                break;
            case string s:
                sb.Append('"').Append(s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
                break;
            case byte[] b:
                sb.Append("b:").Append(Convert.ToBase64String(b));
                break;
            case IDictionary<string, object?> map:
                sb.Append('{');
                foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (v is null) continue;
                    sb.Append(k).Append(':');
                    Write(sb, v);
                    sb.Append(',');
                }
                sb.Append('}');
                break;
            case System.Collections.IEnumerable list:
                sb.Append('[');
                foreach (var v in list)
                {
                    Write(sb, v);
                    sb.Append(',');
                }
                sb.Append(']');
                break;
            case IFormattable f:
                sb.Append(f.ToString(null, CultureInfo.InvariantCulture));
                break;
            default:
                sb.Append(node);
                break;
        }
    }
}
