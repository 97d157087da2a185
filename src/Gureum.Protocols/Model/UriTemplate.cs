using System.Text;
using System.Text.RegularExpressions;

namespace Gureum.Protocols.Model;

/// <summary>
/// A REST request URI template from the model, e.g. <c>/{Bucket}/{Key+}?uploads</c>:
/// path labels (greedy when suffixed with '+') and query literals that must be present.
/// </summary>
public sealed class UriTemplate
{
    private readonly Regex _path;

    private UriTemplate(string template, Regex path, IReadOnlyList<string> labels,
        IReadOnlyList<KeyValuePair<string, string?>> queryLiterals, int literalLength)
    {
        Template = template;
        _path = path;
        Labels = labels;
        QueryLiterals = queryLiterals;
        LiteralLength = literalLength;
    }

    public string Template { get; }

    public IReadOnlyList<string> Labels { get; }

    /// <summary>Query keys (with a value when the template fixes one) the request must carry.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> QueryLiterals { get; }

    /// <summary>Characters of literal path text: more means more specific.</summary>
    public int LiteralLength { get; }

    public static UriTemplate Parse(string template)
    {
        var question = template.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? template : template[..question];
        var query = question < 0 ? "" : template[(question + 1)..];

        var pattern = new StringBuilder("^");
        var labels = new List<string>();
        var literalLength = 0;
        var position = 0;
        var greedy = false;
        while (position < path.Length)
        {
            var open = path.IndexOf('{', position);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(path[position..]));
                literalLength += path.Length - position;
                break;
            }
            pattern.Append(Regex.Escape(path[position..open]));
            literalLength += open - position;
            var close = path.IndexOf('}', open);
            var label = path[(open + 1)..close];
            if (label.EndsWith('+'))
            {
                label = label[..^1];
                greedy = true;
                pattern.Append("(?<g").Append(labels.Count).Append(">.+)");
            }
            else
            {
                pattern.Append("(?<g").Append(labels.Count).Append(">[^/]+)");
            }
            labels.Add(label);
            position = close + 1;
        }
        // Clients differ on a trailing slash after the last label (e.g. "/bucket/"); accept both.
        if (!greedy && path.Length > 1 && !path.EndsWith('/'))
        {
            pattern.Append("/?");
        }
        pattern.Append('$');

        var literals = new List<KeyValuePair<string, string?>>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            // x-id only names the operation for logs; AWS does not require it.
            if (key == "x-id")
            {
                continue;
            }
            literals.Add(new(key, equals < 0 ? null : part[(equals + 1)..]));
        }
        var regex = new Regex(pattern.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
        return new UriTemplate(template, regex, labels, literals, literalLength);
    }

    /// <summary>Matches a raw (still percent-encoded) path; returns decoded label values.</summary>
    public bool TryMatch(string rawPath, out Dictionary<string, string>? labels)
    {
        var match = _path.Match(rawPath);
        if (!match.Success)
        {
            labels = null;
            return false;
        }
        labels = new Dictionary<string, string>(Labels.Count, StringComparer.Ordinal);
        for (var i = 0; i < Labels.Count; i++)
        {
            labels[Labels[i]] = Uri.UnescapeDataString(match.Groups["g" + i].Value);
        }
        return true;
    }

    public override string ToString() => Template;
}
