namespace Gureum.Protocols.Wire;

/// <summary>Case-insensitive, order-keeping HTTP headers; a name may repeat.</summary>
public sealed class HeaderCollection : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    public int Count => _items.Count;

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

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
