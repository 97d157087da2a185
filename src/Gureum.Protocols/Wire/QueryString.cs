using System.Text;

namespace Gureum.Protocols.Wire;

/// <summary>application/x-www-form-urlencoded and URL query parsing, strict about bad escapes.</summary>
public static class QueryString
{
    public static List<KeyValuePair<string, string>> Parse(string raw)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(raw))
        {
            return result;
        }
        foreach (var part in raw.Split('&'))
        {
            if (part.Length == 0)
            {
                continue;
            }
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            result.Add(new(Decode(key), Decode(value)));
        }
        return result;
    }

    /// <summary>Form decoding: '+' is a space, %XX escapes are UTF-8 bytes; a broken escape stays literal.</summary>
    public static string Decode(string value)
    {
        if (value.IndexOfAny(['%', '+']) < 0)
        {
            return value;
        }
        var output = new StringBuilder(value.Length);
        var pending = new List<byte>();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%' && i + 2 < value.Length && IsHex(value[i + 1]) && IsHex(value[i + 2]))
            {
                pending.Add((byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2])));
                i += 2;
                continue;
            }
            Flush(output, pending);
            output.Append(c == '+' ? ' ' : c);
        }
        Flush(output, pending);
        return output.ToString();
    }

    private static void Flush(StringBuilder output, List<byte> pending)
    {
        if (pending.Count > 0)
        {
            output.Append(Encoding.UTF8.GetString(pending.ToArray()));
            pending.Clear();
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';
}
