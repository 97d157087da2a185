using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Gureum.Core;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Validation;

/// <summary>
/// Checks a parsed input tree against the model: required members, and (for services that
/// validate generically) enums, lengths, ranges and patterns. Failures become the service's
/// own validation error with AWS's "N validation errors detected" message.
/// </summary>
public static class InputValidator
{
    private const int MaxReported = 10;
    private static readonly ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    public static void Validate(OperationModel operation, Dictionary<string, object?> input)
    {
        if (operation.Input is null)
        {
            return;
        }
        var conventions = ServiceConventions.For(operation.Service);
        var problems = new List<string>();
        var missing = new List<string>();
        ValidateStructure(operation.Input, input, "", conventions, problems, missing);
        if (problems.Count == 0)
        {
            return;
        }
        if (!conventions.JsonStyleMessages && missing.Count > 0)
        {
            throw new AwsServiceException(conventions.MissingCode, $"The request must contain the parameter {missing[0]}.", 400);
        }
        var message = new StringBuilder();
        message.Append(problems.Count).Append(problems.Count == 1 ? " validation error detected: " : " validation errors detected: ");
        message.AppendJoin("; ", problems.Take(MaxReported));
        throw new AwsServiceException(missing.Count > 0 ? conventions.MissingCode : conventions.ValidationCode, message.ToString(), 400);
    }

    private static void ValidateStructure(Shape shape, Dictionary<string, object?> value, string path,
        ServiceConventions conventions, List<string> problems, List<string> missing)
    {
        foreach (var member in shape.Members)
        {
            var memberPath = Join(path, member.Name);
            if (!value.TryGetValue(member.Name, out var child) || child is null)
            {
                if (shape.Required.Contains(member.Name))
                {
                    problems.Add($"Value null at '{memberPath}' failed to satisfy constraint: Member must not be null");
                    missing.Add(member.LocationName ?? member.Name);
                }
                continue;
            }
            ValidateValue(member.Shape, child, memberPath, conventions, problems, missing);
        }
    }

    private static void ValidateValue(Shape shape, object value, string path,
        ServiceConventions conventions, List<string> problems, List<string> missing)
    {
        switch (value)
        {
            case Dictionary<string, object?> structure when shape.Type == ShapeType.Structure && !shape.Document:
                ValidateStructure(shape, structure, path, conventions, problems, missing);
                return;
            case Dictionary<string, object?> map when shape.Type == ShapeType.Map:
                CheckLength(shape, map.Count, path, "map", conventions, problems);
                foreach (var (key, element) in map)
                {
                    if (conventions.CheckConstraints)
                    {
                        CheckString(shape.MapKey!.Shape, key, path, problems);
                    }
                    if (element is not null)
                    {
                        ValidateValue(shape.MapValue!.Shape, element, path, conventions, problems, missing);
                    }
                }
                return;
            case List<object?> list when shape.Type == ShapeType.List:
                CheckLength(shape, list.Count, path, "list", conventions, problems);
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is { } element)
                    {
                        ValidateValue(shape.ListMember!.Shape, element, $"{path}.{i + 1}.member", conventions, problems, missing);
                    }
                }
                return;
        }
        if (!conventions.CheckConstraints)
        {
            return;
        }
        switch (value)
        {
            case string text:
                CheckString(shape, text, path, problems);
                break;
            case int or long or double or float:
                var number = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (shape.Min is { } min && number < min)
                {
                    problems.Add($"Value '{Format(value)}' at '{path}' failed to satisfy constraint: Member must have value greater than or equal to {Format(min)}");
                }
                if (shape.Max is { } max && number > max)
                {
                    problems.Add($"Value '{Format(value)}' at '{path}' failed to satisfy constraint: Member must have value less than or equal to {Format(max)}");
                }
                break;
            case byte[] bytes:
                CheckLength(shape, bytes.Length, path, "blob", conventions, problems);
                break;
        }
    }

    private static void CheckString(Shape shape, string text, string path, List<string> problems)
    {
        if (shape.EnumSet is { } allowed && !allowed.Contains(text))
        {
            problems.Add($"Value '{text}' at '{path}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", shape.Enum!)}]");
            return;
        }
        var length = text.Length;
        if (shape.Min is { } min && length < min)
        {
            problems.Add($"Value '{text}' at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {Format(min)}");
        }
        if (shape.Max is { } max && length > max)
        {
            problems.Add($"Value '{Truncate(text)}' at '{path}' failed to satisfy constraint: Member must have length less than or equal to {Format(max)}");
        }
        if (shape.Pattern is { } pattern && PatternFor(pattern) is { } regex && !Matches(regex, text))
        {
            problems.Add($"Value '{Truncate(text)}' at '{path}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}");
        }
    }

    private static void CheckLength(Shape shape, int length, string path, string kind,
        ServiceConventions conventions, List<string> problems)
    {
        if (!conventions.CheckConstraints)
        {
            return;
        }
        if (shape.Min is { } min && length < min)
        {
            problems.Add($"Value at '{path}' failed to satisfy constraint: Member must have length greater than or equal to {Format(min)}");
        }
        if (shape.Max is { } max && length > max)
        {
            problems.Add($"Value at '{path}' failed to satisfy constraint: Member must have length less than or equal to {Format(max)}");
        }
        _ = kind;
    }

    private static bool Matches(Regex regex, string text)
    {
        try
        {
            return regex.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return true;
        }
    }

    /// <summary>
    /// Model patterns are Java regexes that AWS services match against the whole value (Java's
    /// Matcher.matches), e.g. DynamoDB rejects "bad name" for [a-zA-Z0-9_.-]+; a few do not compile
    /// in .NET and are skipped.
    /// </summary>
    private static Regex? PatternFor(string pattern) => Patterns.GetOrAdd(pattern, p =>
    {
        try
        {
            return new Regex("\\A(?:" + p + ")\\z", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        }
        catch (ArgumentException)
        {
            return null;
        }
    });

    private static string Join(string path, string member)
    {
        var camel = member.Length > 0 ? char.ToLowerInvariant(member[0]) + member[1..] : member;
        return path.Length == 0 ? camel : path + "." + camel;
    }

    private static string Truncate(string text) => text.Length > 256 ? text[..256] + "..." : text;

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.##########", CultureInfo.InvariantCulture),
        float f => f.ToString("0.######", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
