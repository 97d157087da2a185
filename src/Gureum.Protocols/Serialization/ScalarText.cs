using System.Globalization;
using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>
/// Scalars carried as text (URI labels, query values, headers, XML text): parsing into the
/// value-tree types and formatting back, by shape type.
/// </summary>
public static class ScalarText
{
    /// <summary>Parses <paramref name="text"/> as the scalar <paramref name="member"/> holds.</summary>
    /// <param name="defaultTimestampFormat">Used when neither member nor shape names a format (parsing accepts any format anyway).</param>
    /// <param name="error">Builds the exception for a value that does not parse.</param>
    public static object Parse(Member member, string text, Func<string, AwsServiceException> error)
    {
        var shape = member.Shape;
        switch (shape.Type)
        {
            case ShapeType.String:
                return text;
            case ShapeType.Boolean:
                if (string.Equals(text.Trim(), "true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
                if (string.Equals(text.Trim(), "false", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }
                throw error($"Value '{text}' for {member.Name} is not a valid boolean.");
            case ShapeType.Integer:
            case ShapeType.Short:
            case ShapeType.Byte:
                if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i)
                    && InRange(shape.Type, i))
                {
                    return i;
                }
                throw error($"Value '{text}' for {member.Name} is not a valid integer.");
            case ShapeType.Long:
            case ShapeType.BigInteger:
                if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    return l;
                }
                throw error($"Value '{text}' for {member.Name} is not a valid long.");
            case ShapeType.Float:
            case ShapeType.Double:
            case ShapeType.BigDecimal:
                if (TryParseDouble(text.Trim(), out var d))
                {
                    return shape.Type == ShapeType.Float ? (float)d : d;
                }
                throw error($"Value '{text}' for {member.Name} is not a valid number.");
            case ShapeType.Timestamp:
                if (Timestamps.TryParse(text, out var t))
                {
                    return t;
                }
                throw error($"Value '{text}' for {member.Name} is not a valid timestamp.");
            case ShapeType.Blob:
                try
                {
                    return Convert.FromBase64String(text.Trim());
                }
                catch (FormatException)
                {
                    throw error($"Value for {member.Name} is not valid base64.");
                }
            default:
                throw error($"Member {member.Name} cannot be bound to text.");
        }
    }

    public static bool TryParseDouble(string text, out double value)
    {
        switch (text)
        {
            case "NaN":
                value = double.NaN;
                return true;
            case "Infinity":
                value = double.PositiveInfinity;
                return true;
            case "-Infinity":
                value = double.NegativeInfinity;
                return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    internal static bool InRange(ShapeType type, long value) => type switch
    {
        ShapeType.Byte => value is >= sbyte.MinValue and <= sbyte.MaxValue,
        ShapeType.Short => value is >= short.MinValue and <= short.MaxValue,
        ShapeType.Integer => value is >= int.MinValue and <= int.MaxValue,
        _ => true,
    };

    /// <summary>Formats a scalar for a header, query value or label.</summary>
    public static string Format(Member member, object value, string defaultTimestampFormat) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset t => Timestamps.Format(t, member.TimestampFormat ?? member.Shape.TimestampFormat ?? defaultTimestampFormat),
        byte[] bytes => Convert.ToBase64String(bytes),
        double d => XmlShapeWriter.FormatDouble(d),
        float f => XmlShapeWriter.FormatDouble(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Splits a comma-separated header list, honouring double-quoted items (RFC 9110).</summary>
    public static List<string> SplitHeaderList(string value)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var wasQuoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < value.Length)
                {
                    current.Append(value[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.ToString().Trim().Length == 0)
            {
                current.Clear();
                quoted = true;
                wasQuoted = true;
            }
            else if (c == ',')
            {
                items.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
                current.Clear();
                wasQuoted = false;
            }
            else if (!(wasQuoted && c == ' '))
            {
                current.Append(c);
            }
        }
        items.Add(wasQuoted ? current.ToString() : current.ToString().Trim());
        return items;
    }

    /// <summary>Joins a header list, quoting items that contain commas or quotes (as botocore does).</summary>
    public static string JoinHeaderList(IEnumerable<string> items) =>
        string.Join(",", items.Select(v => v.Contains('"', StringComparison.Ordinal) || v.Contains(',', StringComparison.Ordinal)
            ? "\"" + v.Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : v));
}
