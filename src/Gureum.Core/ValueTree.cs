namespace Gureum.Core;

/// <summary>
/// Helpers for the protocol-neutral value tree that sits between the wire and the typed
/// request/response classes. A structure or map is a <c>Dictionary&lt;string, object?&gt;</c>
/// keyed by model member name, a list is a <c>List&lt;object?&gt;</c>, and scalars are the CLR
/// type of their shape (string, int, long, bool, float, double, DateTimeOffset, byte[],
/// Stream for streaming blobs). Generated code calls these; no reflection anywhere.
/// </summary>
public static class ValueTree
{
    public static Dictionary<string, object?> NewStruct() => new(StringComparer.Ordinal);

    public static object? Get(Dictionary<string, object?> node, string member) =>
        node.TryGetValue(member, out var value) ? value : null;

    public static List<T>? ReadList<T>(object? value, Func<object?, T> item)
    {
        if (value is not List<object?> list)
        {
            return null;
        }
        var result = new List<T>(list.Count);
        foreach (var element in list)
        {
            result.Add(item(element));
        }
        return result;
    }

    public static Dictionary<string, T>? ReadMap<T>(object? value, Func<object?, T> item)
    {
        if (value is not Dictionary<string, object?> map)
        {
            return null;
        }
        var result = new Dictionary<string, T>(map.Count, StringComparer.Ordinal);
        foreach (var (key, element) in map)
        {
            result[key] = item(element);
        }
        return result;
    }

    public static List<object?>? WriteList<T>(List<T>? list, Func<T, object?> item)
    {
        if (list is null)
        {
            return null;
        }
        var result = new List<object?>(list.Count);
        foreach (var element in list)
        {
            result.Add(item(element));
        }
        return result;
    }

    public static Dictionary<string, object?>? WriteMap<T>(Dictionary<string, T>? map, Func<T, object?> item)
    {
        if (map is null)
        {
            return null;
        }
        var result = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
        foreach (var (key, element) in map)
        {
            result[key] = item(element);
        }
        return result;
    }

    public static Dictionary<string, object?>? AsStruct(object? value) => value as Dictionary<string, object?>;

    /// <summary>Adds a member only when it has a value, so absent stays absent on the wire.</summary>
    public static void Put(Dictionary<string, object?> node, string member, object? value)
    {
        if (value is not null)
        {
            node[member] = value;
        }
    }
}
