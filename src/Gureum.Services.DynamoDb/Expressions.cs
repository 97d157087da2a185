using System.Globalization;
using System.Text;
using Gureum.Api.Dynamodb;

namespace Gureum.Services.DynamoDb;

// ---------------- AST ----------------

/// <summary>A document path: top-level name then .name / [index] elements.</summary>
public sealed class DocPath
{
    public List<object> Elements { get; } = []; // string (attribute/map key) or int (list index)
    public string Top => (string)Elements[0];
    public override string ToString() => "[" + string.Join(", ", Elements.Select(e => e is int i ? $"[{i}]" : (string)e)) + "]";
    public bool SameAs(DocPath other) => Elements.Count == other.Elements.Count && Elements.Zip(other.Elements).All(p => p.First.Equals(p.Second));
    public bool IsPrefixOf(DocPath other) => Elements.Count <= other.Elements.Count && Elements.Zip(other.Elements).All(p => p.First.Equals(p.Second));
}

public abstract class Operand;
public sealed class PathOperand(DocPath path) : Operand { public DocPath Path { get; } = path; }
public sealed class ValueOperand(string name, AttributeValue value) : Operand { public string Name { get; } = name; public AttributeValue Value { get; } = value; }
public sealed class FunctionOperand(string name, List<Operand> args) : Operand { public string Name { get; } = name; public List<Operand> Args { get; } = args; }
public sealed class ArithmeticOperand(char op, Operand left, Operand right) : Operand { public char Op { get; } = op; public Operand Left { get; } = left; public Operand Right { get; } = right; }

public abstract class Condition;
public sealed class CompareCondition(string op, Operand left, Operand right) : Condition { public string Op { get; } = op; public Operand Left { get; } = left; public Operand Right { get; } = right; }
public sealed class BetweenCondition(Operand value, Operand low, Operand high) : Condition { public Operand Value { get; } = value; public Operand Low { get; } = low; public Operand High { get; } = high; }
public sealed class InCondition(Operand value, List<Operand> list) : Condition { public Operand Value { get; } = value; public List<Operand> List { get; } = list; }
public sealed class AndCondition(Condition left, Condition right) : Condition { public Condition Left { get; } = left; public Condition Right { get; } = right; }
public sealed class OrCondition(Condition left, Condition right) : Condition { public Condition Left { get; } = left; public Condition Right { get; } = right; }
public sealed class NotCondition(Condition inner) : Condition { public Condition Inner { get; } = inner; }
public sealed class ParenCondition(Condition inner) : Condition { public Condition Inner { get; } = inner; }
public sealed class FunctionCondition(string name, List<Operand> args) : Condition { public string Name { get; } = name; public List<Operand> Args { get; } = args; }

public enum UpdateKind { Set, Remove, Add, Delete }
public sealed record UpdateAction(UpdateKind Kind, DocPath Path, Operand? Value);

// ---------------- tokens ----------------

internal enum Tok { Name, NamePh, ValuePh, Number, LParen, RParen, LBracket, RBracket, Dot, Comma, Eq, Ne, Lt, Le, Gt, Ge, Plus, Minus, Eof }

internal readonly record struct Token(Tok Kind, string Text, int Start, int End);

/// <summary>
/// The shared context of the expressions in one request: ExpressionAttributeNames/Values, which of them
/// were used, and AWS's validation messages.
/// </summary>
public sealed class ExpressionContext
{
    private readonly Dictionary<string, string>? _names;
    private readonly Dictionary<string, AttributeValue>? _values;
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedValues = new(StringComparer.Ordinal);

    public ExpressionContext(Dictionary<string, string>? names, Dictionary<string, AttributeValue>? values)
    {
        _names = names;
        _values = values;
    }

    /// <summary>Validates the maps themselves (before any expression is parsed).</summary>
    public void ValidateMaps(bool anyExpression)
    {
        if (_names is not null)
        {
            if (!anyExpression) throw DdbErrors.Validation("ExpressionAttributeNames can only be specified when using expressions");
            if (_names.Count == 0) throw DdbErrors.Validation("ExpressionAttributeNames must not be empty");
            foreach (var key in _names.Keys)
            {
                if (!key.StartsWith('#') || key.Length < 2 || !key.Skip(1).All(IsNameChar))
                {
                    throw DdbErrors.Validation($"ExpressionAttributeNames contains invalid key: Syntax error; key: \"{key}\"");
                }
            }
        }
        if (_values is not null)
        {
            if (!anyExpression) throw DdbErrors.Validation("ExpressionAttributeValues can only be specified when using expressions");
            if (_values.Count == 0) throw DdbErrors.Validation("ExpressionAttributeValues must not be empty");
            foreach (var (key, value) in _values)
            {
                if (!key.StartsWith(':') || key.Length < 2 || !key.Skip(1).All(IsNameChar))
                {
                    throw DdbErrors.Validation($"ExpressionAttributeValues contains invalid key: Syntax error; key: \"{key}\"");
                }
                try
                {
                    Values.Validate(value);
                }
                catch (Gureum.Core.AwsServiceException e) when (e.Code == "ValidationException")
                {
                    throw DdbErrors.Validation($"ExpressionAttributeValues contains invalid value: {e.Message} for key {key}");
                }
            }
        }
    }

    internal static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    internal string ResolveName(string placeholder, string kind)
    {
        if (_names is null || !_names.TryGetValue(placeholder, out var name))
        {
            throw DdbErrors.Validation($"Invalid {kind}: An expression attribute name used in the document path is not defined; attribute name: {placeholder}");
        }
        _usedNames.Add(placeholder);
        return name;
    }

    internal AttributeValue ResolveValue(string placeholder, string kind)
    {
        if (_values is null || !_values.TryGetValue(placeholder, out var value))
        {
            throw DdbErrors.Validation($"Invalid {kind}: An expression attribute value used in expression is not defined; attribute value: {placeholder}");
        }
        _usedValues.Add(placeholder);
        return value;
    }

    /// <summary>After every expression is parsed: names and values nobody used are an error.</summary>
    public void CheckUnused()
    {
        if (_names is not null)
        {
            var unused = _names.Keys.Where(k => !_usedNames.Contains(k)).ToList();
            if (unused.Count > 0) throw DdbErrors.Validation($"Value provided in ExpressionAttributeNames unused in expressions: keys: {{{string.Join(", ", unused)}}}");
        }
        if (_values is not null)
        {
            var unused = _values.Keys.Where(k => !_usedValues.Contains(k)).ToList();
            if (unused.Count > 0) throw DdbErrors.Validation($"Value provided in ExpressionAttributeValues unused in expressions: keys: {{{string.Join(", ", unused)}}}");
        }
    }

    public Condition ParseCondition(string? text, string kind) => new ExpressionParser(this, text ?? "", kind).ParseConditionExpression();

    public List<UpdateAction> ParseUpdate(string? text) => new ExpressionParser(this, text ?? "", "UpdateExpression").ParseUpdateExpression();

    public List<DocPath> ParseProjection(string? text) => new ExpressionParser(this, text ?? "", "ProjectionExpression").ParseProjectionExpression();
}

internal sealed class ExpressionParser
{
    private readonly ExpressionContext _ctx;
    private readonly string _text;
    private readonly string _kind;
    private readonly List<Token> _tokens;
    private int _pos;

    public ExpressionParser(ExpressionContext ctx, string text, string kind)
    {
        _ctx = ctx;
        _text = text;
        _kind = kind;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Error("The expression can not be empty;");
        }
        _tokens = Lex();
    }

    private Gureum.Core.AwsServiceException Error(string detail) => DdbErrors.Validation($"Invalid {_kind}: {detail}");

    private List<Token> Lex()
    {
        var list = new List<Token>();
        var i = 0;
        while (i < _text.Length)
        {
            var c = _text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            Tok kind;
            switch (c)
            {
                case '(': kind = Tok.LParen; i++; break;
                case ')': kind = Tok.RParen; i++; break;
                case '[': kind = Tok.LBracket; i++; break;
                case ']': kind = Tok.RBracket; i++; break;
                case '.': kind = Tok.Dot; i++; break;
                case ',': kind = Tok.Comma; i++; break;
                case '+': kind = Tok.Plus; i++; break;
                case '-': kind = Tok.Minus; i++; break;
                case '=': kind = Tok.Eq; i++; break;
                case '<':
                    i++;
                    if (i < _text.Length && _text[i] == '>') { kind = Tok.Ne; i++; }
                    else if (i < _text.Length && _text[i] == '=') { kind = Tok.Le; i++; }
                    else kind = Tok.Lt;
                    break;
                case '>':
                    i++;
                    if (i < _text.Length && _text[i] == '=') { kind = Tok.Ge; i++; }
                    else kind = Tok.Gt;
                    break;
                case '#' or ':':
                    i++;
                    while (i < _text.Length && ExpressionContext.IsNameChar(_text[i])) i++;
                    kind = c == '#' ? Tok.NamePh : Tok.ValuePh;
                    if (i == start + 1)
                    {
                        throw SyntaxErrorAt(new Token(kind, c.ToString(), start, i), list);
                    }
                    break;
                default:
                    if (char.IsAsciiDigit(c))
                    {
                        while (i < _text.Length && char.IsAsciiDigit(_text[i])) i++;
                        kind = Tok.Number;
                    }
                    else if (char.IsAsciiLetter(c) || c == '_')
                    {
                        while (i < _text.Length && ExpressionContext.IsNameChar(_text[i])) i++;
                        kind = Tok.Name;
                    }
                    else
                    {
                        throw Error($"Invalid character encountered; character: \"{c}\", near: \"{Near(list, start, start + 1)}\"");
                    }
                    break;
            }
            list.Add(new Token(kind, _text[start..i], start, i));
        }
        list.Add(new Token(Tok.Eof, "<EOF>", _text.Length, _text.Length));
        return list;
    }

    private string Near(List<Token> tokens, int start, int end)
    {
        var from = tokens.Count > 0 ? tokens[^1].Start : start;
        return _text[from..Math.Min(end, _text.Length)];
    }

    private Gureum.Core.AwsServiceException SyntaxErrorAt(Token token, List<Token>? lexed = null)
    {
        var tokens = lexed ?? _tokens;
        var index = lexed is null ? tokens.IndexOf(token) : tokens.Count;
        var from = index > 0 ? tokens[index - 1].Start : token.Start;
        int to;
        if (token.Kind == Tok.Eof)
        {
            to = _text.Length;
        }
        else if (lexed is null && index + 1 < tokens.Count && tokens[index + 1].Kind != Tok.Eof)
        {
            to = tokens[index + 1].End;
        }
        else
        {
            to = token.End;
        }
        return Error($"Syntax error; token: \"{token.Text}\", near: \"{_text[from..to]}\"");
    }

    private Token Peek => _tokens[_pos];
    private Token PeekAt(int offset) => _tokens[Math.Min(_pos + offset, _tokens.Count - 1)];
    private Token Next() => _tokens[_pos++];

    private Token Expect(Tok kind)
    {
        var t = Peek;
        if (t.Kind != kind) throw SyntaxErrorAt(t);
        _pos++;
        return t;
    }

    private bool IsKeyword(Token t, string word) => t.Kind == Tok.Name && string.Equals(t.Text, word, StringComparison.OrdinalIgnoreCase);

    // ---------- paths and operands ----------

    private DocPath ParsePath()
    {
        var path = new DocPath();
        var first = Next();
        path.Elements.Add(NameOf(first));
        while (true)
        {
            if (Peek.Kind == Tok.Dot)
            {
                _pos++;
                path.Elements.Add(NameOf(Next()));
            }
            else if (Peek.Kind == Tok.LBracket)
            {
                _pos++;
                var n = Peek;
                if (n.Kind != Tok.Number) throw SyntaxErrorAt(n);
                _pos++;
                if (!int.TryParse(n.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw Error($"List index is not within the allowable range; index: [{n.Text}]");
                }
                path.Elements.Add(index);
                Expect(Tok.RBracket);
            }
            else
            {
                return path;
            }
        }
    }

    private string NameOf(Token t)
    {
        switch (t.Kind)
        {
            case Tok.NamePh:
                return _ctx.ResolveName(t.Text, _kind);
            case Tok.Name:
                if (ReservedWords.Contains(t.Text))
                {
                    throw Error($"Attribute name is a reserved keyword; reserved keyword: {t.Text}");
                }
                return t.Text;
            default:
                throw SyntaxErrorAt(t);
        }
    }

    private static readonly HashSet<string> ConditionFunctions = new(StringComparer.Ordinal)
    {
        "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains",
    };

    private Operand ParseOperand(bool update)
    {
        var t = Peek;
        if (t.Kind == Tok.ValuePh)
        {
            _pos++;
            return new ValueOperand(t.Text, _ctx.ResolveValue(t.Text, _kind));
        }
        if (t.Kind == Tok.Name && PeekAt(1).Kind == Tok.LParen)
        {
            var name = t.Text;
            var allowed = update ? name is "if_not_exists" or "list_append" : name == "size";
            if (!allowed)
            {
                if (ConditionFunctions.Contains(name) || name is "size" or "if_not_exists" or "list_append")
                {
                    throw Error($"The function is not allowed to be used this way in an expression; function: {name}");
                }
                throw Error($"Invalid function name; function: {name}");
            }
            _pos += 2;
            var args = ParseArgs(update);
            CheckArity(name, args.Count);
            if (name == "size" && args[0] is not PathOperand)
            {
                throw Error($"Incorrect operand type for operator or function; operator or function: size, operand type: {OperandTypeName(args[0])}");
            }
            if (name == "if_not_exists" && args[0] is not PathOperand)
            {
                throw Error("Operator or function requires a document path; operator or function: if_not_exists");
            }
            return new FunctionOperand(name, args);
        }
        if (t.Kind is Tok.Name or Tok.NamePh)
        {
            return new PathOperand(ParsePath());
        }
        throw SyntaxErrorAt(t);
    }

    private List<Operand> ParseArgs(bool update)
    {
        var args = new List<Operand>();
        if (Peek.Kind == Tok.RParen)
        {
            _pos++;
            return args;
        }
        while (true)
        {
            args.Add(ParseOperand(update));
            var t = Next();
            if (t.Kind == Tok.RParen) return args;
            if (t.Kind != Tok.Comma) throw SyntaxErrorAt(t);
        }
    }

    private void CheckArity(string name, int count)
    {
        var expected = name switch
        {
            "attribute_exists" or "attribute_not_exists" or "size" => 1,
            _ => 2,
        };
        if (count != expected)
        {
            throw Error($"Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {count}");
        }
    }

    private static string OperandTypeName(Operand o) => o switch
    {
        ValueOperand v => Evaluator.LongTypeName(Values.TypeOf(v.Value)),
        _ => "PATH",
    };

    // ---------- conditions ----------

    public Condition ParseConditionExpression()
    {
        var c = ParseOr();
        if (Peek.Kind != Tok.Eof) throw SyntaxErrorAt(Peek);
        return c;
    }

    private Condition ParseOr()
    {
        var left = ParseAnd();
        while (IsKeyword(Peek, "OR"))
        {
            _pos++;
            left = new OrCondition(left, ParseAnd());
        }
        return left;
    }

    private Condition ParseAnd()
    {
        var left = ParseNot();
        while (IsKeyword(Peek, "AND"))
        {
            _pos++;
            left = new AndCondition(left, ParseNot());
        }
        return left;
    }

    private Condition ParseNot()
    {
        if (IsKeyword(Peek, "NOT"))
        {
            _pos++;
            return new NotCondition(ParseNot());
        }
        return ParsePrimary();
    }

    private Condition ParsePrimary()
    {
        var t = Peek;
        if (t.Kind == Tok.LParen)
        {
            _pos++;
            var inner = ParseOr();
            Expect(Tok.RParen);
            if (inner is ParenCondition)
            {
                throw Error("The expression has redundant parentheses;");
            }
            return new ParenCondition(inner);
        }
        if (t.Kind == Tok.Name && PeekAt(1).Kind == Tok.LParen && t.Text != "size")
        {
            var name = t.Text;
            if (!ConditionFunctions.Contains(name))
            {
                if (name is "if_not_exists" or "list_append")
                {
                    throw Error($"The function is not allowed to be used this way in an expression; function: {name}");
                }
                throw Error($"Invalid function name; function: {name}");
            }
            _pos += 2;
            var args = ParseArgs(update: false);
            CheckArity(name, args.Count);
            if (args[0] is not PathOperand && name != "contains" && name != "begins_with")
            {
                throw Error($"Operator or function requires a document path; operator or function: {name}");
            }
            if (name is "contains" or "begins_with" && args[0] is PathOperand p0 && args[1] is PathOperand p1 && p0.Path.SameAs(p1.Path))
            {
                throw Error($"The first operand must be distinct from the remaining operands for this operator or function; operator: {name}, first operand: {p0.Path}");
            }
            if (name == "begins_with")
            {
                foreach (var a in args)
                {
                    if (a is ValueOperand v && Values.TypeOf(v.Value) is not (DType.S or DType.B))
                    {
                        throw Error($"Incorrect operand type for operator or function; operator or function: begins_with, operand type: {Evaluator.LongTypeName(Values.TypeOf(v.Value))}");
                    }
                }
            }
            if (name == "attribute_type")
            {
                if (args[1] is not ValueOperand tv || Values.TypeOf(tv.Value) != DType.S)
                {
                    throw Error($"Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {OperandTypeName(args[1])}");
                }
                if (tv.Value.S is not ("S" or "N" or "B" or "BOOL" or "NULL" or "M" or "L" or "SS" or "NS" or "BS"))
                {
                    throw Error($"Invalid attribute type name found; type: {tv.Value.S}, valid types: {{ B,NULL,SS,BOOL,L,BS,N,NS,S,M }}");
                }
            }
            return new FunctionCondition(name, args);
        }
        var left = ParseOperand(update: false);
        var op = Peek;
        if (IsKeyword(op, "BETWEEN"))
        {
            _pos++;
            var low = ParseOperand(update: false);
            if (!IsKeyword(Peek, "AND")) throw SyntaxErrorAt(Peek);
            _pos++;
            var high = ParseOperand(update: false);
            CheckDistinct("BETWEEN", left, [low, high]);
            if (low is ValueOperand lv && high is ValueOperand hv && Values.Compare(lv.Value, hv.Value) is > 0)
            {
                throw Error($"The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {{{Evaluator.Describe(lv.Value)}}}, upper bound operand: AttributeValue: {{{Evaluator.Describe(hv.Value)}}}");
            }
            return new BetweenCondition(left, low, high);
        }
        if (IsKeyword(op, "IN"))
        {
            _pos++;
            Expect(Tok.LParen);
            var list = new List<Operand>();
            while (true)
            {
                list.Add(ParseOperand(update: false));
                var sep = Next();
                if (sep.Kind == Tok.RParen) break;
                if (sep.Kind != Tok.Comma) throw SyntaxErrorAt(sep);
            }
            if (list.Count > 100)
            {
                throw Error($"The IN operator is provided with too many operands; number of operands: {list.Count}");
            }
            CheckDistinct("IN", left, list);
            return new InCondition(left, list);
        }
        var opText = op.Kind switch
        {
            Tok.Eq => "=", Tok.Ne => "<>", Tok.Lt => "<", Tok.Le => "<=", Tok.Gt => ">", Tok.Ge => ">=", _ => null,
        };
        if (opText is null)
        {
            throw SyntaxErrorAt(op);
        }
        _pos++;
        var right = ParseOperand(update: false);
        CheckDistinct(opText, left, [right]);
        if (opText is "<" or "<=" or ">" or ">=")
        {
            foreach (var side in new[] { left, right })
            {
                if (side is ValueOperand v && Values.TypeOf(v.Value) is not (DType.S or DType.N or DType.B))
                {
                    throw Error($"Incorrect operand type for operator or function; operator or function: {opText}, operand type: {Evaluator.LongTypeName(Values.TypeOf(v.Value))}");
                }
            }
        }
        return new CompareCondition(opText, left, right);
    }

    private void CheckDistinct(string op, Operand first, List<Operand> rest)
    {
        if (first is PathOperand p && rest.Any(r => r is PathOperand q && q.Path.SameAs(p.Path)))
        {
            throw Error($"The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {p.Path}");
        }
    }

    // ---------- update ----------

    public List<UpdateAction> ParseUpdateExpression()
    {
        var actions = new List<UpdateAction>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (Peek.Kind != Tok.Eof)
        {
            var clause = Next();
            if (clause.Kind != Tok.Name) throw SyntaxErrorAt(clause);
            var word = clause.Text.ToUpperInvariant();
            if (word is not ("SET" or "REMOVE" or "ADD" or "DELETE")) throw SyntaxErrorAt(clause);
            if (!seen.Add(word))
            {
                throw Error($"The \"{word}\" section can only be used once in an update expression;");
            }
            while (true)
            {
                switch (word)
                {
                    case "SET":
                        {
                            var path = ParsePath();
                            Expect(Tok.Eq);
                            var value = ParseSetValue();
                            actions.Add(new UpdateAction(UpdateKind.Set, path, value));
                            break;
                        }
                    case "REMOVE":
                        actions.Add(new UpdateAction(UpdateKind.Remove, ParsePath(), null));
                        break;
                    default:
                        {
                            var path = ParsePath();
                            var value = ParseOperand(update: true);
                            if (value is not ValueOperand v)
                            {
                                throw SyntaxErrorAt(_tokens[_pos - 1]);
                            }
                            var type = Values.TypeOf(v.Value);
                            var ok = word == "ADD" ? type is DType.N or DType.SS or DType.NS or DType.BS : type is DType.SS or DType.NS or DType.BS;
                            if (!ok)
                            {
                                throw Error($"Incorrect operand type for operator or function; operator: {word}, operand type: {Evaluator.LongTypeName(type)}");
                            }
                            actions.Add(new UpdateAction(word == "ADD" ? UpdateKind.Add : UpdateKind.Delete, path, value));
                            break;
                        }
                }
                if (Peek.Kind == Tok.Comma)
                {
                    _pos++;
                    continue;
                }
                break;
            }
        }
        if (actions.Count == 0) throw SyntaxErrorAt(Peek);
        // Overlapping paths.
        for (var i = 0; i < actions.Count; i++)
        {
            for (var j = i + 1; j < actions.Count; j++)
            {
                var a = actions[i].Path;
                var b = actions[j].Path;
                if (a.SameAs(b))
                {
                    throw Error($"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {a}, path two: {b}");
                }
                if (a.IsPrefixOf(b) || b.IsPrefixOf(a))
                {
                    throw Error($"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {a}, path two: {b}");
                }
            }
        }
        return actions;
    }

    private Operand ParseSetValue()
    {
        var left = ParseOperand(update: true);
        if (Peek.Kind is Tok.Plus or Tok.Minus)
        {
            var op = Next().Kind == Tok.Plus ? '+' : '-';
            var right = ParseOperand(update: true);
            foreach (var side in new[] { left, right })
            {
                if (side is ValueOperand v && Values.TypeOf(v.Value) != DType.N)
                {
                    throw Error($"Incorrect operand type for operator or function; operator or function: {op}, operand type: {Evaluator.LongTypeName(Values.TypeOf(v.Value))}");
                }
            }
            return new ArithmeticOperand(op, left, right);
        }
        if (left is FunctionOperand { Name: "list_append" } f)
        {
            foreach (var a in f.Args)
            {
                if (a is ValueOperand v && Values.TypeOf(v.Value) != DType.L)
                {
                    throw Error($"Incorrect operand type for operator or function; operator or function: list_append, operand type: {Evaluator.LongTypeName(Values.TypeOf(v.Value))}");
                }
            }
        }
        return left;
    }

    // ---------- projection ----------

    public List<DocPath> ParseProjectionExpression()
    {
        var paths = new List<DocPath>();
        while (true)
        {
            if (Peek.Kind is not (Tok.Name or Tok.NamePh)) throw SyntaxErrorAt(Peek);
            paths.Add(ParsePath());
            var t = Next();
            if (t.Kind == Tok.Eof) break;
            if (t.Kind != Tok.Comma) throw SyntaxErrorAt(t);
        }
        for (var i = 0; i < paths.Count; i++)
        {
            for (var j = i + 1; j < paths.Count; j++)
            {
                if (paths[i].IsPrefixOf(paths[j]) || paths[j].IsPrefixOf(paths[i]))
                {
                    throw Error($"Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {paths[i]}, path two: {paths[j]}");
                }
            }
        }
        return paths;
    }
}
