using System.Text;
using Gureum.Api.Dynamodb;

namespace Gureum.Services.DynamoDb;

/// <summary>Evaluates conditions, update actions and projections against an item.</summary>
public static class Evaluator
{
    public static string LongTypeName(DType t) => t switch
    {
        DType.S => "STRING", DType.N => "NUMBER", DType.B => "BINARY", DType.BOOL => "BOOLEAN", DType.NULL => "NULL",
        DType.M => "MAP", DType.L => "LIST", DType.SS => "SET", DType.NS => "SET", DType.BS => "SET", _ => "",
    };

    public static string Describe(AttributeValue v) => Values.TypeOf(v) switch
    {
        DType.S => "S:" + v.S,
        DType.N => "N:" + v.N,
        DType.B => "B:" + Convert.ToBase64String(v.B!),
        DType.BOOL => "BOOL:" + (v.BOOL!.Value ? "true" : "false"),
        var t => Values.TypeName(t) + ":...",
    };

    // ---------- paths ----------

    public static AttributeValue? Resolve(Dictionary<string, AttributeValue>? item, DocPath path)
    {
        if (item is null || !item.TryGetValue(path.Top, out var current)) return null;
        for (var i = 1; i < path.Elements.Count; i++)
        {
            switch (path.Elements[i])
            {
                case string key:
                    if (current.M is null || !current.M.TryGetValue(key, out current)) return null;
                    break;
                case int index:
                    if (current.L is null || index >= current.L.Count) return null;
                    current = current.L[index];
                    break;
            }
        }
        return current;
    }

    // ---------- conditions ----------

    public static bool Evaluate(Condition c, Dictionary<string, AttributeValue>? item)
    {
        switch (c)
        {
            case AndCondition a: return Evaluate(a.Left, item) && Evaluate(a.Right, item);
            case OrCondition o: return Evaluate(o.Left, item) || Evaluate(o.Right, item);
            case NotCondition n: return !Evaluate(n.Inner, item);
            case ParenCondition p: return Evaluate(p.Inner, item);
            case CompareCondition cmp:
                {
                    var l = Value(cmp.Left, item);
                    var r = Value(cmp.Right, item);
                    if (l is null || r is null) return cmp.Op == "<>" && !(l is null && r is null) ? true : false;
                    switch (cmp.Op)
                    {
                        case "=": return Values.Equal(l, r);
                        case "<>": return !Values.Equal(l, r);
                    }
                    var order = Values.Compare(l, r);
                    if (order is null) return false;
                    return cmp.Op switch
                    {
                        "<" => order < 0, "<=" => order <= 0, ">" => order > 0, _ => order >= 0,
                    };
                }
            case BetweenCondition b:
                {
                    var v = Value(b.Value, item);
                    var lo = Value(b.Low, item);
                    var hi = Value(b.High, item);
                    if (v is null || lo is null || hi is null) return false;
                    var c1 = Values.Compare(v, lo);
                    var c2 = Values.Compare(v, hi);
                    return c1 is >= 0 && c2 is <= 0;
                }
            case InCondition inc:
                {
                    var v = Value(inc.Value, item);
                    if (v is null) return false;
                    foreach (var o in inc.List)
                    {
                        var x = Value(o, item);
                        if (x is not null && Values.Equal(v, x)) return true;
                    }
                    return false;
                }
            case FunctionCondition f:
                return EvaluateFunction(f, item);
        }
        return false;
    }

    private static bool EvaluateFunction(FunctionCondition f, Dictionary<string, AttributeValue>? item)
    {
        switch (f.Name)
        {
            case "attribute_exists": return Resolve(item, ((PathOperand)f.Args[0]).Path) is not null;
            case "attribute_not_exists": return Resolve(item, ((PathOperand)f.Args[0]).Path) is null;
            case "attribute_type":
                {
                    var v = Value(f.Args[0], item);
                    var t = Value(f.Args[1], item);
                    return v is not null && t?.S is not null && Values.TypeName(Values.TypeOf(v)) == t.S;
                }
            case "begins_with":
                {
                    var v = Value(f.Args[0], item);
                    var p = Value(f.Args[1], item);
                    if (v is null || p is null) return false;
                    if (v.S is not null && p.S is not null) return v.S.StartsWith(p.S, StringComparison.Ordinal);
                    if (v.B is not null && p.B is not null) return v.B.AsSpan().StartsWith(p.B);
                    return false;
                }
            case "contains":
                {
                    var v = Value(f.Args[0], item);
                    var x = Value(f.Args[1], item);
                    if (v is null || x is null) return false;
                    switch (Values.TypeOf(v))
                    {
                        case DType.S: return x.S is not null && v.S!.Contains(x.S, StringComparison.Ordinal);
                        case DType.B: return x.B is not null && v.B!.AsSpan().IndexOf(x.B) >= 0;
                        case DType.SS: return x.S is not null && v.SS!.Contains(x.S, StringComparer.Ordinal);
                        case DType.NS: return x.N is not null && v.NS!.Any(n => DdbNumber.Parse(n) == DdbNumber.Parse(x.N));
                        case DType.BS: return x.B is not null && v.BS!.Any(b => b.AsSpan().SequenceEqual(x.B));
                        case DType.L: return v.L!.Any(e => Values.Equal(e, x));
                        default: return false;
                    }
                }
        }
        return false;
    }

    /// <summary>The value of an operand in a condition; null when the path is absent or size() undefined.</summary>
    public static AttributeValue? Value(Operand o, Dictionary<string, AttributeValue>? item)
    {
        switch (o)
        {
            case ValueOperand v: return v.Value;
            case PathOperand p: return Resolve(item, p.Path);
            case FunctionOperand { Name: "size" } f:
                {
                    var v = Value(f.Args[0], item);
                    if (v is null) return null;
                    long? n = Values.TypeOf(v) switch
                    {
                        DType.S => Encoding.UTF8.GetByteCount(v.S!) == v.S!.Length ? v.S.Length : Encoding.UTF8.GetByteCount(v.S),
                        DType.B => v.B!.Length,
                        DType.SS => v.SS!.Count,
                        DType.NS => v.NS!.Count,
                        DType.BS => v.BS!.Count,
                        DType.L => v.L!.Count,
                        DType.M => v.M!.Count,
                        _ => null,
                    };
                    return n is null ? null : new AttributeValue { N = n.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                }
        }
        return null;
    }

    // ---------- updates ----------

    private static AwsError UpdateTypeError() => new(DdbErrors.Validation("An operand in the update expression has an incorrect data type"));

    private sealed class AwsError(Gureum.Core.AwsServiceException inner) : Exception(inner.Message)
    {
        public Gureum.Core.AwsServiceException Inner { get; } = inner;
    }

    /// <summary>Applies update actions to a copy of <paramref name="old"/>; right-hand sides read the old item.</summary>
    public static Dictionary<string, AttributeValue> ApplyUpdate(Dictionary<string, AttributeValue> old, List<UpdateAction> actions)
    {
        try
        {
            var item = Values.CloneMap(old);
            // Evaluate all SET values against the old item first.
            var setValues = new Dictionary<UpdateAction, AttributeValue>();
            foreach (var a in actions)
            {
                if (a.Kind == UpdateKind.Set)
                {
                    setValues[a] = UpdateValue(a.Value!, old);
                }
            }
            // REMOVE with list indexes: apply highest indexes first so earlier removals do not shift later ones.
            var ordered = actions.Where(a => a.Kind != UpdateKind.Remove)
                .Concat(actions.Where(a => a.Kind == UpdateKind.Remove).OrderByDescending(a => a.Path.Elements[^1] is int i ? i : -1));
            foreach (var a in ordered)
            {
                switch (a.Kind)
                {
                    case UpdateKind.Set:
                        SetPath(item, a.Path, setValues[a]);
                        break;
                    case UpdateKind.Remove:
                        RemovePath(item, a.Path);
                        break;
                    case UpdateKind.Add:
                        {
                            var add = ((ValueOperand)a.Value!).Value;
                            var current = Resolve(item, a.Path);
                            AttributeValue result;
                            if (current is null)
                            {
                                result = Values.Clone(add);
                            }
                            else if (Values.TypeOf(add) == DType.N)
                            {
                                if (current.N is null) throw UpdateTypeError();
                                result = new AttributeValue { N = Checked(DdbNumber.Parse(current.N) + DdbNumber.Parse(add.N!)) };
                            }
                            else
                            {
                                result = SetUnion(current, add) ?? throw UpdateTypeError();
                            }
                            SetPath(item, a.Path, result);
                            break;
                        }
                    case UpdateKind.Delete:
                        {
                            var del = ((ValueOperand)a.Value!).Value;
                            var current = Resolve(item, a.Path);
                            if (current is null) break;
                            var result = SetDifference(current, del) ?? throw UpdateTypeError();
                            if (result is null || IsEmptySet(result))
                            {
                                RemovePath(item, a.Path);
                            }
                            else
                            {
                                SetPath(item, a.Path, result);
                            }
                            break;
                        }
                }
            }
            return item;
        }
        catch (AwsError e)
        {
            throw e.Inner;
        }
    }

    private static string Checked(DdbNumber n)
    {
        n.CheckRange();
        return n.ToString();
    }

    private static bool IsEmptySet(AttributeValue v) => (v.SS?.Count ?? v.NS?.Count ?? v.BS?.Count) == 0;

    private static AttributeValue? SetUnion(AttributeValue a, AttributeValue b)
    {
        if (a.SS is not null && b.SS is not null) return new AttributeValue { SS = a.SS.Concat(b.SS.Where(x => !a.SS.Contains(x, StringComparer.Ordinal))).ToList() };
        if (a.NS is not null && b.NS is not null)
        {
            var existing = a.NS.Select(DdbNumber.Parse).ToHashSet();
            return new AttributeValue { NS = a.NS.Concat(b.NS.Where(x => !existing.Contains(DdbNumber.Parse(x)))).ToList() };
        }
        if (a.BS is not null && b.BS is not null) return new AttributeValue { BS = a.BS.Concat(b.BS.Where(x => !a.BS.Any(y => y.AsSpan().SequenceEqual(x)))).ToList() };
        return null;
    }

    private static AttributeValue? SetDifference(AttributeValue a, AttributeValue b)
    {
        if (a.SS is not null && b.SS is not null) return new AttributeValue { SS = a.SS.Where(x => !b.SS.Contains(x, StringComparer.Ordinal)).ToList() };
        if (a.NS is not null && b.NS is not null)
        {
            var remove = b.NS.Select(DdbNumber.Parse).ToHashSet();
            return new AttributeValue { NS = a.NS.Where(x => !remove.Contains(DdbNumber.Parse(x))).ToList() };
        }
        if (a.BS is not null && b.BS is not null) return new AttributeValue { BS = a.BS.Where(x => !b.BS.Any(y => y.AsSpan().SequenceEqual(x))).ToList() };
        return null;
    }

    private static AttributeValue UpdateValue(Operand o, Dictionary<string, AttributeValue> item)
    {
        switch (o)
        {
            case ValueOperand v: return Values.Clone(v.Value);
            case PathOperand p:
                return Resolve(item, p.Path) is { } found ? Values.Clone(found)
                    : throw new AwsError(DdbErrors.Validation("The provided expression refers to an attribute that does not exist in the item"));
            case ArithmeticOperand a:
                {
                    var l = UpdateValue(a.Left, item);
                    var r = UpdateValue(a.Right, item);
                    if (l.N is null || r.N is null) throw UpdateTypeError();
                    var x = DdbNumber.Parse(l.N);
                    var y = DdbNumber.Parse(r.N);
                    return new AttributeValue { N = Checked(a.Op == '+' ? x + y : x - y) };
                }
            case FunctionOperand { Name: "if_not_exists" } f:
                {
                    var existing = Resolve(item, ((PathOperand)f.Args[0]).Path);
                    return existing is not null ? Values.Clone(existing) : UpdateValue(f.Args[1], item);
                }
            case FunctionOperand { Name: "list_append" } f:
                {
                    var l = UpdateValue(f.Args[0], item);
                    var r = UpdateValue(f.Args[1], item);
                    if (l.L is null || r.L is null) throw UpdateTypeError();
                    return new AttributeValue { L = [.. l.L, .. r.L] };
                }
        }
        throw UpdateTypeError();
    }

    private static AwsError InvalidPath() =>
        new(DdbErrors.Validation("The document path provided in the update expression is invalid for update"));

    private static void SetPath(Dictionary<string, AttributeValue> item, DocPath path, AttributeValue value)
    {
        if (path.Elements.Count == 1)
        {
            item[path.Top] = value;
            return;
        }
        if (!item.TryGetValue(path.Top, out var parent)) throw InvalidPath();
        for (var i = 1; i < path.Elements.Count - 1; i++)
        {
            parent = path.Elements[i] switch
            {
                string key when parent.M is not null && parent.M.TryGetValue(key, out var child) => child,
                int index when parent.L is not null && index < parent.L.Count => parent.L[index],
                _ => throw InvalidPath(),
            };
        }
        switch (path.Elements[^1])
        {
            case string key when parent.M is not null:
                parent.M[key] = value;
                break;
            case int index when parent.L is not null:
                if (index >= parent.L.Count) parent.L.Add(value);
                else parent.L[index] = value;
                break;
            default:
                throw InvalidPath();
        }
    }

    private static void RemovePath(Dictionary<string, AttributeValue> item, DocPath path)
    {
        if (path.Elements.Count == 1)
        {
            item.Remove(path.Top);
            return;
        }
        if (!item.TryGetValue(path.Top, out var parent)) return;
        for (var i = 1; i < path.Elements.Count - 1; i++)
        {
            switch (path.Elements[i])
            {
                case string key when parent.M is not null && parent.M.TryGetValue(key, out var child):
                    parent = child;
                    break;
                case int index when parent.L is not null && index < parent.L.Count:
                    parent = parent.L[index];
                    break;
                default:
                    if ((path.Elements[i] is string && parent.M is null) || (path.Elements[i] is int && parent.L is null)) throw InvalidPath();
                    return;
            }
        }
        switch (path.Elements[^1])
        {
            case string key when parent.M is not null:
                parent.M.Remove(key);
                break;
            case int index when parent.L is not null:
                if (index < parent.L.Count) parent.L.RemoveAt(index);
                break;
            default:
                throw InvalidPath();
        }
    }

    // ---------- projection ----------

    public static Dictionary<string, AttributeValue> Project(Dictionary<string, AttributeValue> item, List<DocPath> paths)
    {
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var value = Resolve(item, path);
            if (value is null) continue;
            if (path.Elements.Count == 1)
            {
                result[path.Top] = Values.Clone(value);
                continue;
            }
            // Build the nested shape: maps keep keys, lists are compacted in index order.
            var source = item[path.Top];
            if (!result.TryGetValue(path.Top, out var target))
            {
                target = source.M is not null ? new AttributeValue { M = new(StringComparer.Ordinal) } : new AttributeValue { L = [] };
                result[path.Top] = target;
            }
            for (var i = 1; i < path.Elements.Count; i++)
            {
                var last = i == path.Elements.Count - 1;
                var element = path.Elements[i];
                var next = element is string k ? source.M![k] : source.L![(int)element];
                var key = element is string s ? s : "[" + (int)element + "]";
                if (last)
                {
                    if (target.M is not null) target.M[key] = Values.Clone(next);
                    else
                    {
                        target.L!.Add(Values.Clone(next));
                    }
                    break;
                }
                AttributeValue child;
                if (target.M is not null)
                {
                    if (!target.M.TryGetValue(key, out child!))
                    {
                        child = next.M is not null ? new AttributeValue { M = new(StringComparer.Ordinal) } : new AttributeValue { L = [] };
                        target.M[key] = child;
                    }
                }
                else
                {
                    child = next.M is not null ? new AttributeValue { M = new(StringComparer.Ordinal) } : new AttributeValue { L = [] };
                    target.L!.Add(child);
                }
                target = child;
                source = next;
            }
        }
        return result;
    }
}
