namespace Gureum.Protocols.Wire;

/// <summary>Case-insensitive, order-keeping HTTP headers; a name may repeat.</summary>
public sealed class HeaderCollection : IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _items;

    public HeaderCollection() => _items = [];

    /// <summary>Sized for <paramref name="capacity"/> headers (the server knows the count up front).</summary>
    public HeaderCollection(int capacity) => _items = new(capacity);

    public int Count => _items.Count;

    /// <summary>The i-th header in arrival order (lets the SigV4 verifier read the headers without a copy).</summary>
    KeyValuePair<string, string> IReadOnlyList<KeyValuePair<string, string>>.this[int index] => _items[index];

    public void Add(string name, string value) => _items.Add(new(name, value));

    /// <summary>The first value of a header, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var (key, value) in _items)
            {
                if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }
            return null;
        }
    }

    public IEnumerable<string> GetAll(string name)
    {
        foreach (var (key, value) in _items)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return value;
            }
        }
    }

    public void Set(string name, string value)
    {
        _items.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        _items.Add(new(name, value));
    }

    public List<KeyValuePair<string, string>>.Enumerator GetEnumerator() => _items.GetEnumerator();

    IEnumerator<KeyValuePair<string, string>> IEnumerable<KeyValuePair<string, string>>.GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
