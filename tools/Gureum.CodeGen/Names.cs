using System.Text;

namespace Gureum.CodeGen;

/// <summary>Turns model names into valid, stable C# identifiers.</summary>
internal static class Names
{
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "Equals", "GetHashCode", "ToString", "GetType", "FromTree", "ToTree", "MemberwiseClone", "Finalize",
    };

    /// <summary>"cognito-idp" → "CognitoIdp".</summary>
    public static string Service(string modelName) => Pascal(modelName);

    public static string Pascal(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }
        return builder.ToString();
    }

    /// <summary>A property name that is valid inside a class named <paramref name="owner"/>.</summary>
    public static string Property(string member, string owner, ISet<string> taken)
    {
        var name = Pascal(member);
        if (name == owner || Reserved.Contains(name))
        {
            name += "Value";
        }
        var unique = name;
        for (var i = 2; !taken.Add(unique); i++)
        {
            unique = name + i;
        }
        return unique;
    }

    /// <summary>An enum constant name: "public-read" → "PublicRead", "us-east-1" → "UsEast1".</summary>
    public static string EnumConstant(string value, string owner, ISet<string> taken)
    {
        var name = Pascal(value);
        if (name == owner || Reserved.Contains(name))
        {
            name += "Value";
        }
        var unique = name;
        for (var i = 2; !taken.Add(unique); i++)
        {
            unique = name + "_" + i;
        }
        return unique;
    }

    public static string Literal(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c < 0x20 || c > 0x7e => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }
}
