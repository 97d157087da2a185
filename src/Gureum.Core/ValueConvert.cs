using System.Globalization;

namespace Gureum.Core;

/// <summary>
/// Tolerant scalar conversions from the value tree, used by generated code: parsers produce
/// exact CLR types, but services may build trees by hand, so numbers convert across widths.
/// </summary>
public static class ValueConvert
{
    public static string? AsString(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static int? AsInt(object? value) => value switch
    {
        null => null,
        int i => i,
        long l => checked((int)l),
        double d => (int)d,
        float f => (int)f,
        string s => int.Parse(s, CultureInfo.InvariantCulture),
        _ => Convert.ToInt32(value, CultureInfo.InvariantCulture),
    };

    public static long? AsLong(object? value) => value switch
    {
        null => null,
        long l => l,
        int i => i,
        double d => (long)d,
        string s => long.Parse(s, CultureInfo.InvariantCulture),
        _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
    };

    public static double? AsDouble(object? value) => value switch
    {
        null => null,
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        string s => double.Parse(s, CultureInfo.InvariantCulture),
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };

    public static float? AsFloat(object? value) => value switch
    {
        null => null,
        float f => f,
        _ => (float?)AsDouble(value),
    };

    public static bool? AsBool(object? value) => value switch
    {
        null => null,
        bool b => b,
        string s => bool.Parse(s),
        _ => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
    };

    public static DateTimeOffset? AsTime(object? value) => value switch
    {
        null => null,
        DateTimeOffset t => t,
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"Not a timestamp: {value.GetType().Name}"),
    };

    public static byte[]? AsBytes(object? value) => value switch
    {
        null => null,
        byte[] b => b,
        ReadOnlyMemory<byte> m => m.ToArray(),
        _ => throw new InvalidCastException($"Not a blob: {value.GetType().Name}"),
    };

    public static Stream? AsStream(object? value) => value switch
    {
        null => null,
        Stream s => s,
        byte[] b => new MemoryStream(b, writable: false),
        _ => throw new InvalidCastException($"Not a stream: {value.GetType().Name}"),
    };
}
