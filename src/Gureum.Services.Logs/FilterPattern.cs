namespace Gureum.Services.Logs;

/// <summary>
/// CloudWatch Logs filter patterns for unstructured events: every plain term and "quoted phrase" must
/// occur (case-sensitive substrings), "-term" must not occur, and when any "?term" is present at least
/// one of them must occur. An empty pattern or "" matches every event.
/// </summary>
internal sealed class FilterPattern
{
    private readonly List<string> _required = [];
    private readonly List<string> _excluded = [];
    private readonly List<string> _any = [];

    private FilterPattern()
    {
    }

    public static FilterPattern Parse(string? pattern)
    {
        var result = new FilterPattern();
        if (string.IsNullOrWhiteSpace(pattern))
        {
            return result;
        }
        var text = pattern.Trim();
        if (text.StartsWith('{') || text.StartsWith('['))
        {
            throw new Api.Logs.InvalidParameterException("Invalid filter pattern: JSON and space-delimited patterns are not supported by Gureum yet");
        }
        var i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }
            var kind = ' ';
            if (text[i] is '?' or '-' && i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))
            {
                kind = text[i];
                i++;
            }
            string term;
            if (text[i] == '"')
            {
                var end = i + 1;
                var sb = new System.Text.StringBuilder();
                while (end < text.Length && text[end] != '"')
                {
                    if (text[end] == '\\' && end + 1 < text.Length)
                    {
                        end++;
                    }
                    sb.Append(text[end]);
                    end++;
                }
                if (end >= text.Length)
                {
                    throw new Api.Logs.InvalidParameterException("Invalid filter pattern");
                }
                term = sb.ToString();
                i = end + 1;
            }
            else
            {
                var end = i;
                while (end < text.Length && !char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
                term = text[i..end];
                i = end;
            }
            if (term.Length == 0)
            {
                continue;
            }
            (kind switch { '?' => result._any, '-' => result._excluded, _ => result._required }).Add(term);
        }
        return result;
    }

    public bool Matches(string message)
    {
        foreach (var t in _required)
        {
            if (!message.Contains(t, StringComparison.Ordinal))
            {
                return false;
            }
        }
        foreach (var t in _excluded)
        {
            if (message.Contains(t, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return _any.Count == 0 || _any.Exists(t => message.Contains(t, StringComparison.Ordinal));
    }
}
