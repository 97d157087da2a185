using System.Globalization;
using System.Text;
using Gureum.Api.Dynamodb;

namespace Gureum.Services.DynamoDb;

/// <summary>The DynamoDB dialect of PartiQL: SELECT, INSERT, UPDATE and DELETE over one table (or index).</summary>
internal enum PqlKind { Select, Insert, Update, Delete }

internal sealed class PqlStatement
{
    public PqlKind Kind { get; init; }
    public string Table { get; set; } = "";
    public string? Index { get; set; }
    public List<DocPath>? Projection { get; set; }
    public Condition? Where { get; set; }
    public Dictionary<string, AttributeValue>? Item { get; set; }
    public List<UpdateAction> Actions { get; } = [];
    public string? Returning { get; set; }
}

internal enum PTok { Ident, Quoted, String, Number, Param, Punct, Eof }

internal readonly record struct PToken(PTok Kind, string Text);

/// <summary>Parses one PartiQL statement, binding <c>?</c> parameters in order.</summary>
internal sealed class PartiQLParser
{
    private readonly List<PToken> _tokens;
    private readonly List<AttributeValue> _parameters;
    private int _pos;
    private int _paramIndex;

    private PartiQLParser(List<PToken> tokens, List<AttributeValue> parameters)
    {
        _tokens = tokens;
        _parameters = parameters;
    }

    public static AwsException Malformed(string detail) => new(DdbErrors.Validation("Statement wasn't well formed, can't be processed: " + detail));

    /// <summary>Wraps an AWS error so parse failures propagate as the typed exception.</summary>
    internal sealed class AwsException(Gureum.Core.AwsServiceException inner) : Exception(inner.Message)
    {
        public Gureum.Core.AwsServiceException Inner { get; } = inner;
    }

    public static PqlStatement Parse(string statement, List<AttributeValue>? parameters)
    {
        var tokens = Tokenize(statement);
        var expected = tokens.Count(t => t.Kind == PTok.Param);
        if (expected != (parameters?.Count ?? 0))
        {
            throw DdbErrors.Validation("Number of parameters in request and statement don't match.");
        }
        foreach (var p in parameters ?? []) Values.Validate(p);
        var parser = new PartiQLParser(tokens, parameters ?? []);
        try
        {
            var result = parser.Statement();
            if (parser.Peek.Kind != PTok.Eof) throw Malformed("Unexpected token: " + parser.Peek.Text);
            return result;
        }
        catch (AwsException e)
        {
            throw e.Inner;
        }
    }

    private static List<PToken> Tokenize(string s)
    {
        var list = new List<PToken>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '\'' || c == '"')
            {
                var sb = new StringBuilder();
                var j = i + 1;
                while (true)
                {
                    if (j >= s.Length) throw Malformed("Unterminated " + (c == '\'' ? "string literal" : "quoted identifier")).Inner;
                    if (s[j] == c)
                    {
                        if (j + 1 < s.Length && s[j + 1] == c) { sb.Append(c); j += 2; continue; }
                        break;
                    }
                    sb.Append(s[j++]);
                }
                list.Add(new PToken(c == '\'' ? PTok.String : PTok.Quoted, sb.ToString()));
                i = j + 1;
                continue;
            }
            if (char.IsAsciiDigit(c) || (c is '-' or '.' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]) && (list.Count == 0 || list[^1].Kind == PTok.Punct && list[^1].Text != ")" && list[^1].Text != "]")))
            {
                var j = i + 1;
                while (j < s.Length && (char.IsAsciiDigit(s[j]) || s[j] == '.' || s[j] is 'e' or 'E' || (s[j] is '+' or '-' && s[j - 1] is 'e' or 'E'))) j++;
                list.Add(new PToken(PTok.Number, s[i..j]));
                i = j;
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var j = i + 1;
                while (j < s.Length && (char.IsAsciiLetterOrDigit(s[j]) || s[j] is '_' or '$')) j++;
                list.Add(new PToken(PTok.Ident, s[i..j]));
                i = j;
                continue;
            }
            if (c == '?') { list.Add(new PToken(PTok.Param, "?")); i++; continue; }
            var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
            if (two is "<>" or "!=" or "<=" or ">=" or "<<" or ">>")
            {
                list.Add(new PToken(PTok.Punct, two == "!=" ? "<>" : two));
                i += 2;
                continue;
            }
            if ("*,.()[]{}:=<>+-".Contains(c, StringComparison.Ordinal))
            {
                list.Add(new PToken(PTok.Punct, c.ToString()));
                i++;
                continue;
            }
            throw Malformed($"Unexpected character '{c}'").Inner;
        }
        list.Add(new PToken(PTok.Eof, "<EOF>"));
        return list;
    }

    private PToken Peek => _tokens[_pos];

    private PToken Next() => _tokens[_pos++];

    private bool IsKeyword(string word) => Peek.Kind == PTok.Ident && Peek.Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    private bool AcceptKeyword(string word)
    {
        if (!IsKeyword(word)) return false;
        _pos++;
        return true;
    }

    private void ExpectKeyword(string word)
    {
        if (!AcceptKeyword(word)) throw Malformed($"Expected {word.ToUpperInvariant()}" + (Peek.Kind == PTok.Eof ? "" : $", found {Peek.Text}"));
    }

    private bool AcceptPunct(string p)
    {
        if (Peek.Kind != PTok.Punct || Peek.Text != p) return false;
        _pos++;
        return true;
    }

    private void ExpectPunct(string p)
    {
        if (!AcceptPunct(p)) throw Malformed($"Expected '{p}'" + (Peek.Kind == PTok.Eof ? "" : $", found {Peek.Text}"));
    }

    private PqlStatement Statement()
    {
        if (AcceptKeyword("SELECT")) return Select();
        if (AcceptKeyword("INSERT")) return Insert();
        if (AcceptKeyword("UPDATE")) return Update();
        if (AcceptKeyword("DELETE")) return Delete();
        throw Malformed("Unsupported operation: " + Peek.Text);
    }

    private string Identifier()
    {
        var t = Next();
        if (t.Kind is PTok.Ident or PTok.Quoted) return t.Text;
        throw Malformed("Expected identifier" + (t.Kind == PTok.Eof ? "" : $", found {t.Text}"));
    }

    private void TableRef(PqlStatement s)
    {
        s.Table = Identifier();
        if (AcceptPunct(".")) s.Index = Identifier();
    }

    private PqlStatement Select()
    {
        var s = new PqlStatement { Kind = PqlKind.Select };
        if (!AcceptPunct("*"))
        {
            s.Projection = [Path()];
            while (AcceptPunct(",")) s.Projection.Add(Path());
        }
        ExpectKeyword("FROM");
        TableRef(s);
        if (AcceptKeyword("WHERE")) s.Where = Or();
        return s;
    }

    private PqlStatement Insert()
    {
        ExpectKeyword("INTO");
        var s = new PqlStatement { Kind = PqlKind.Insert };
        TableRef(s);
        ExpectKeyword("VALUE");
        var v = Literal();
        s.Item = v.M ?? throw Malformed("INSERT VALUE must be a tuple");
        return s;
    }

    private PqlStatement Update()
    {
        var s = new PqlStatement { Kind = PqlKind.Update };
        TableRef(s);
        var any = false;
        while (true)
        {
            if (AcceptKeyword("SET"))
            {
                do
                {
                    var path = Path();
                    ExpectPunct("=");
                    s.Actions.Add(new UpdateAction(UpdateKind.Set, path, ValueExpression()));
                } while (AcceptPunct(",") );
                any = true;
            }
            else if (AcceptKeyword("REMOVE"))
            {
                do
                {
                    s.Actions.Add(new UpdateAction(UpdateKind.Remove, Path(), null));
                } while (AcceptPunct(","));
                any = true;
            }
            else break;
        }
        if (!any) throw Malformed("Expected SET or REMOVE");
        ExpectKeyword("WHERE");
        s.Where = Or();
        Returning(s);
        return s;
    }

    private PqlStatement Delete()
    {
        ExpectKeyword("FROM");
        var s = new PqlStatement { Kind = PqlKind.Delete };
        TableRef(s);
        ExpectKeyword("WHERE");
        s.Where = Or();
        Returning(s);
        return s;
    }

    private void Returning(PqlStatement s)
    {
        if (!AcceptKeyword("RETURNING")) return;
        var scope = Identifier().ToUpperInvariant();
        var which = Identifier().ToUpperInvariant();
        ExpectPunct("*");
        s.Returning = scope + "_" + which;
        if (s.Returning is not ("ALL_OLD" or "ALL_NEW" or "MODIFIED_OLD" or "MODIFIED_NEW"))
        {
            throw Malformed("Unsupported RETURNING clause");
        }
    }

    private DocPath Path()
    {
        var p = new DocPath();
        p.Elements.Add(Identifier());
        while (true)
        {
            if (AcceptPunct("."))
            {
                p.Elements.Add(Identifier());
            }
            else if (AcceptPunct("["))
            {
                var t = Next();
                if (t.Kind != PTok.Number || !int.TryParse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw Malformed("Expected list index");
                }
                p.Elements.Add(index);
                ExpectPunct("]");
            }
            else
            {
                return p;
            }
        }
    }

    // ---------------- values ----------------

    private AttributeValue Literal()
    {
        var t = Peek;
        switch (t.Kind)
        {
            case PTok.String:
                _pos++;
                return new AttributeValue { S = t.Text };
            case PTok.Number:
                _pos++;
                return new AttributeValue { N = DdbNumberText(t.Text) };
            case PTok.Param:
                _pos++;
                return _parameters[_paramIndex++];
            case PTok.Ident when t.Text.Equals("TRUE", StringComparison.OrdinalIgnoreCase) || t.Text.Equals("FALSE", StringComparison.OrdinalIgnoreCase):
                _pos++;
                return new AttributeValue { BOOL = t.Text.Equals("TRUE", StringComparison.OrdinalIgnoreCase) };
            case PTok.Ident when t.Text.Equals("NULL", StringComparison.OrdinalIgnoreCase):
                _pos++;
                return new AttributeValue { NULL = true };
            case PTok.Punct when t.Text == "{":
            {
                _pos++;
                var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
                if (!AcceptPunct("}"))
                {
                    do
                    {
                        var key = Next();
                        if (key.Kind != PTok.String && key.Kind != PTok.Quoted) throw Malformed("Expected a string tuple key");
                        ExpectPunct(":");
                        map[key.Text] = Literal();
                    } while (AcceptPunct(","));
                    ExpectPunct("}");
                }
                return new AttributeValue { M = map };
            }
            case PTok.Punct when t.Text == "[":
            {
                _pos++;
                var list = new List<AttributeValue>();
                if (!AcceptPunct("]"))
                {
                    do list.Add(Literal()); while (AcceptPunct(","));
                    ExpectPunct("]");
                }
                return new AttributeValue { L = list };
            }
            case PTok.Punct when t.Text == "<<":
            {
                _pos++;
                var items = new List<AttributeValue>();
                if (!AcceptPunct(">>"))
                {
                    do items.Add(Literal()); while (AcceptPunct(","));
                    ExpectPunct(">>");
                }
                if (items.Count == 0) throw DdbErrors.Validation("One or more parameter values were invalid: An number set  may not be empty");
                if (items.All(v => v.S is not null)) return new AttributeValue { SS = items.Select(v => v.S!).ToList() };
                if (items.All(v => v.N is not null)) return new AttributeValue { NS = items.Select(v => v.N!).ToList() };
                if (items.All(v => v.B is not null)) return new AttributeValue { BS = items.Select(v => v.B!).ToList() };
                throw Malformed("Set elements must all be strings, numbers or binaries");
            }
            default:
                throw Malformed("Expected a value" + (t.Kind == PTok.Eof ? "" : $", found {t.Text}"));
        }
    }

    private static string DdbNumberText(string text)
    {
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw Malformed("Invalid number " + text);
        }
        return text;
    }

    private bool StartsValue() => Peek.Kind is PTok.String or PTok.Number or PTok.Param
        || Peek.Kind == PTok.Punct && Peek.Text is "{" or "[" or "<<"
        || Peek.Kind == PTok.Ident && (IsKeyword("TRUE") || IsKeyword("FALSE") || IsKeyword("NULL"));

    private int _valueCounter;

    private Operand Operand()
    {
        if (StartsValue()) return new ValueOperand(":pql" + _valueCounter++, Literal());
        if (Peek.Kind == PTok.Ident && _tokens[_pos + 1] is { Kind: PTok.Punct, Text: "(" } && Peek.Text.ToLowerInvariant() is "size" or "list_append" or "if_not_exists")
        {
            var name = Next().Text.ToLowerInvariant();
            ExpectPunct("(");
            var args = new List<Operand> { Operand() };
            while (AcceptPunct(",")) args.Add(Operand());
            ExpectPunct(")");
            return new FunctionOperand(name, args);
        }
        return new PathOperand(Path());
    }

    private Operand ValueExpression()
    {
        var left = Operand();
        while (Peek.Kind == PTok.Punct && Peek.Text is "+" or "-")
        {
            var op = Next().Text[0];
            left = new ArithmeticOperand(op, left, Operand());
        }
        return left;
    }

    // ---------------- conditions ----------------

    private Condition Or()
    {
        var left = And();
        while (AcceptKeyword("OR")) left = new OrCondition(left, And());
        return left;
    }

    private Condition And()
    {
        var left = Not();
        while (AcceptKeyword("AND")) left = new AndCondition(left, Not());
        return left;
    }

    private Condition Not()
    {
        if (AcceptKeyword("NOT")) return new NotCondition(Not());
        return Predicate();
    }

    private Condition Predicate()
    {
        if (AcceptPunct("("))
        {
            var inner = Or();
            ExpectPunct(")");
            return new ParenCondition(inner);
        }
        if (Peek.Kind == PTok.Ident && _tokens[_pos + 1] is { Kind: PTok.Punct, Text: "(" }
            && Peek.Text.ToLowerInvariant() is "begins_with" or "contains" or "attribute_type" or "attribute_exists" or "attribute_not_exists" or "exists" or "missing")
        {
            var name = Next().Text.ToLowerInvariant();
            ExpectPunct("(");
            var args = new List<Operand> { Operand() };
            while (AcceptPunct(",")) args.Add(Operand());
            ExpectPunct(")");
            if (name == "exists") name = "attribute_exists";
            if (name == "missing") name = "attribute_not_exists";
            return new FunctionCondition(name, args);
        }
        var left = Operand();
        if (Peek.Kind == PTok.Punct && Peek.Text is "=" or "<>" or "<" or "<=" or ">" or ">=")
        {
            var op = Next().Text;
            return new CompareCondition(op, left, Operand());
        }
        if (AcceptKeyword("BETWEEN"))
        {
            var low = Operand();
            ExpectKeyword("AND");
            return new BetweenCondition(left, low, Operand());
        }
        if (AcceptKeyword("IN"))
        {
            var close = AcceptPunct("[") ? "]" : AcceptPunct("(") ? ")" : throw Malformed("Expected '[' after IN");
            var list = new List<Operand> { Operand() };
            while (AcceptPunct(",")) list.Add(Operand());
            ExpectPunct(close);
            return new InCondition(left, list);
        }
        if (AcceptKeyword("IS"))
        {
            var negate = AcceptKeyword("NOT");
            Condition c;
            if (AcceptKeyword("MISSING")) c = new FunctionCondition("attribute_not_exists", [left]);
            else if (AcceptKeyword("NULL")) c = new FunctionCondition("attribute_type", [left, new ValueOperand(":pqlnull", new AttributeValue { S = "NULL" })]);
            else throw Malformed("Expected MISSING or NULL after IS");
            return negate ? new NotCondition(c) : c;
        }
        throw Malformed("Expected a comparison" + (Peek.Kind == PTok.Eof ? "" : $", found {Peek.Text}"));
    }
}
