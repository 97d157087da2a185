using System.Globalization;

namespace Gureum.Protocols.Serialization;

/// <summary>The timestamp formats of the AWS protocols (iso8601, rfc822, unixTimestamp).</summary>
public static class Timestamps
{
    public const string Iso8601 = "iso8601";
    public const string Rfc822 = "rfc822";
    public const string UnixTimestamp = "unixTimestamp";

    public static string Format(DateTimeOffset value, string format) => format switch
    {
        Rfc822 => value.UtcDateTime.ToString("r", CultureInfo.InvariantCulture),
        UnixTimestamp => FormatEpoch(value),
        _ => FormatIso(value),
    };

    /// <summary>ISO 8601 with milliseconds only when present, like AWS (e.g. 2024-01-02T03:04:05.123Z).</summary>
    public static string FormatIso(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        return utc.Millisecond == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    public static string FormatEpoch(DateTimeOffset value)
    {
        var ms = value.ToUnixTimeMilliseconds();
        return ms % 1000 == 0
            ? (ms / 1000).ToString(CultureInfo.InvariantCulture)
            : (ms / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
    }

    public static double ToEpochSeconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000.0;

    public static DateTimeOffset FromEpochSeconds(double seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));

    /// <summary>Accepts any of the three formats; clients are not always consistent.</summary>
    public static bool TryParse(string text, out DateTimeOffset value)
    {
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (double.IsFinite(seconds) && Math.Abs(seconds) < 253402300799)
            {
                value = FromEpochSeconds(seconds);
                return true;
            }
            value = default;
            return false;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
    }
}
