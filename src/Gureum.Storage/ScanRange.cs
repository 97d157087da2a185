namespace Gureum.Storage;

/// <summary>
/// Which keys a scan returns: FromKey &lt;= key &lt; ToKeyExclusive, and key starts with Prefix (all optional),
/// in ascending or descending order, at most Limit of them.
/// Pagination: ascending, continue with FromKey = <see cref="After"/>(lastKey); descending, ToKeyExclusive = lastKey.
/// </summary>
public sealed record ScanRange
{
    public string? FromKey { get; init; }
    public string? ToKeyExclusive { get; init; }
    public string? Prefix { get; init; }
    public bool Descending { get; init; }
    public int? Limit { get; init; }

    public static ScanRange All { get; } = new();

    public static ScanRange WithPrefix(string prefix) => new() { Prefix = prefix };

    /// <summary>The smallest key strictly greater than <paramref name="key"/> (appending U+0000 is the UTF-8 successor).</summary>
    public static string After(string key) => key + "\0";
}
