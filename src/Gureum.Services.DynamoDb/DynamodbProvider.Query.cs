using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

public sealed partial class DynamodbProvider
{
    private const long PageBytes = 1024 * 1024;
    private const string AboveAll = "\u007f"; // greater than every character used by key texts

    private sealed record ReadPlan(string Table, ScanRange Range, List<KeyDef> IndexKeys);

    private static string Upper(string prefixOrKey) => prefixOrKey + AboveAll;

    private static IEnumerable<Condition> Conjuncts(Condition c)
    {
        switch (c)
        {
            case AndCondition a:
                foreach (var x in Conjuncts(a.Left)) yield return x;
                foreach (var x in Conjuncts(a.Right)) yield return x;
                break;
            case ParenCondition p:
                foreach (var x in Conjuncts(p.Inner)) yield return x;
                break;
            default:
                yield return c;
                break;
        }
    }

    private static string? KeyName(Operand o) => o is PathOperand { Path.Elements.Count: 1 } p ? p.Path.Top : null;

    /// <summary>Turns a key condition into a store range over the table's or index's key texts.</summary>
    private static ScanRange KeyRange(TableMeta meta, List<KeyDef> keys, Condition keyCondition)
    {
        var hashName = keys[0].Name;
        var rangeName = keys.Count > 1 ? keys[1].Name : null;
        AttributeValue? hashValue = null;
        Condition? rangeCondition = null;
        foreach (var c in Conjuncts(keyCondition))
        {
            string? name = c switch
            {
                CompareCondition cmp => KeyName(cmp.Left) ?? KeyName(cmp.Right),
                BetweenCondition b => KeyName(b.Value),
                FunctionCondition f => KeyName(f.Args[0]),
                OrCondition => throw DdbErrors.Validation("Invalid operator used in KeyConditionExpression: OR"),
                NotCondition => throw DdbErrors.Validation("Invalid operator used in KeyConditionExpression: NOT"),
                InCondition => throw DdbErrors.Validation("Invalid operator used in KeyConditionExpression: IN"),
                _ => null,
            };
            if (c is FunctionCondition fc && fc.Name != "begins_with")
            {
                throw DdbErrors.Validation($"Invalid operator used in KeyConditionExpression: {fc.Name}");
            }
            if (c is CompareCondition { Op: "<>" })
            {
                throw DdbErrors.Validation("Invalid operator used in KeyConditionExpression: <>");
            }
            if (name == hashName && c is CompareCondition { Op: "=" } eq && hashValue is null)
            {
                hashValue = (eq.Left as ValueOperand ?? eq.Right as ValueOperand)?.Value;
                if (hashValue is null) throw DdbErrors.Validation("Query key condition not supported");
            }
            else if (name is not null && name == rangeName && rangeCondition is null)
            {
                rangeCondition = c;
            }
            else if (name == hashName)
            {
                throw DdbErrors.Validation("Query key condition not supported");
            }
            else if (name is not null && hashValue is not null)
            {
                throw DdbErrors.Validation($"Query condition missed key schema element: {rangeName ?? hashName}");
            }
            else
            {
                throw DdbErrors.Validation($"Query condition missed key schema element: {hashName}");
            }
        }
        if (hashValue is null) throw DdbErrors.Validation($"Query condition missed key schema element: {hashName}");
        CheckConditionType(meta, hashName, hashValue);
        var prefix = Values.KeyText(hashValue);
        if (rangeCondition is null) return new ScanRange { Prefix = prefix };

        AttributeValue Val(Operand o) => o is ValueOperand v ? v.Value : throw DdbErrors.Validation("Query key condition not supported");
        switch (rangeCondition)
        {
            case CompareCondition cmp:
                {
                    var flipped = KeyName(cmp.Left) is null;
                    var v = Val(flipped ? cmp.Left : cmp.Right);
                    CheckConditionType(meta, rangeName!, v);
                    var k = prefix + Values.KeyText(v);
                    var op = cmp.Op;
                    if (flipped) op = op switch { "<" => ">", "<=" => ">=", ">" => "<", ">=" => "<=", _ => op };
                    return op switch
                    {
                        "=" => new ScanRange { Prefix = k },
                        "<" => new ScanRange { Prefix = prefix, ToKeyExclusive = k },
                        "<=" => new ScanRange { Prefix = prefix, ToKeyExclusive = Upper(k) },
                        ">" => new ScanRange { Prefix = prefix, FromKey = Upper(k) },
                        _ => new ScanRange { Prefix = prefix, FromKey = k },
                    };
                }
            case BetweenCondition b:
                {
                    var lo = Val(b.Low);
                    var hi = Val(b.High);
                    CheckConditionType(meta, rangeName!, lo);
                    CheckConditionType(meta, rangeName!, hi);
                    if (Values.Compare(lo, hi) > 0)
                    {
                        throw DdbErrors.Validation($"Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {{{Evaluator.Describe(lo)}}}, upper bound operand: AttributeValue: {{{Evaluator.Describe(hi)}}}");
                    }
                    return new ScanRange { Prefix = prefix, FromKey = prefix + Values.KeyText(lo), ToKeyExclusive = Upper(prefix + Values.KeyText(hi)) };
                }
            case FunctionCondition { Name: "begins_with" } f:
                {
                    var v = Val(f.Args[1]);
                    CheckConditionType(meta, rangeName!, v);
                    if (meta.TypeOf(rangeName!) == "N")
                    {
                        throw DdbErrors.Validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: NUMBER");
                    }
                    return new ScanRange { Prefix = prefix + Values.KeyPrefix(v) };
                }
        }
        throw DdbErrors.Validation("Query key condition not supported");
    }

    private static void CheckConditionType(TableMeta meta, string attribute, AttributeValue v)
    {
        if (Values.TypeName(Values.TypeOf(v)) != meta.TypeOf(attribute))
        {
            throw DdbErrors.InvalidParams("Condition parameter type does not match schema type");
        }
    }

    private static void CollectPaths(Condition c, List<DocPath> paths)
    {
        switch (c)
        {
            case AndCondition a: CollectPaths(a.Left, paths); CollectPaths(a.Right, paths); break;
            case OrCondition o: CollectPaths(o.Left, paths); CollectPaths(o.Right, paths); break;
            case NotCondition n: CollectPaths(n.Inner, paths); break;
            case ParenCondition p: CollectPaths(p.Inner, paths); break;
            case CompareCondition cmp: CollectOperand(cmp.Left, paths); CollectOperand(cmp.Right, paths); break;
            case BetweenCondition b: CollectOperand(b.Value, paths); CollectOperand(b.Low, paths); CollectOperand(b.High, paths); break;
            case InCondition i: CollectOperand(i.Value, paths); i.List.ForEach(x => CollectOperand(x, paths)); break;
            case FunctionCondition f: f.Args.ForEach(x => CollectOperand(x, paths)); break;
        }
    }

    private static void CollectOperand(Operand o, List<DocPath> paths)
    {
        if (o is PathOperand p) paths.Add(p.Path);
        if (o is FunctionOperand f) f.Args.ForEach(x => CollectOperand(x, paths));
    }

    // ================= Query =================

    public override async ValueTask<QueryOutput> QueryAsync(RequestContext context, QueryInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("KeyConditions", request.KeyConditions), ("QueryFilter", request.QueryFilter), ("AttributesToGet", request.AttributesToGet)),
            Present(("KeyConditionExpression", request.KeyConditionExpression), ("FilterExpression", request.FilterExpression), ("ProjectionExpression", request.ProjectionExpression)));
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        exprs.ValidateMaps(request.KeyConditionExpression is not null || request.FilterExpression is not null || request.ProjectionExpression is not null);
        Condition? keyCondition = request.KeyConditionExpression is not null ? exprs.ParseCondition(request.KeyConditionExpression, "KeyConditionExpression") : null;
        var filter = request.FilterExpression is not null ? exprs.ParseCondition(request.FilterExpression, "FilterExpression") : LegacyFilter(request.QueryFilter, request.ConditionalOperator);
        var projection = request.ProjectionExpression is not null ? exprs.ParseProjection(request.ProjectionExpression) : LegacyProjection(request.AttributesToGet);
        exprs.CheckUnused();
        if (keyCondition is null && request.KeyConditions is { Count: > 0 } kc)
        {
            keyCondition = LegacyFilter(kc, "AND");
        }
        if (keyCondition is null)
        {
            throw DdbErrors.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
        }
        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var (index, keys, table) = ResolveIndex(meta, request.IndexName, request.ConsistentRead);
        var select = CheckSelect(request.Select, projection, index);
        var range = KeyRange(meta, keys, keyCondition);
        if (filter is not null)
        {
            var paths = new List<DocPath>();
            CollectPaths(filter, paths);
            foreach (var p in paths)
            {
                if (keys.Any(k => k.Name == p.Top))
                {
                    throw DdbErrors.Validation($"Filter Expression can only contain non-primary key attributes: Primary key attribute: {p.Top}");
                }
            }
        }
        var forward = request.ScanIndexForward ?? true;
        if (request.ExclusiveStartKey is { } esk)
        {
            var start = StartKeyText(meta, index, esk);
            range = forward ? range with { FromKey = Max(range.FromKey, Upper(start)) } : range with { ToKeyExclusive = Min(range.ToKeyExclusive, start) };
        }
        range = range with { Descending = !forward };
        return await ReadAsync(meta, index, table, range, filter, projection, select, request.Limit, request.ConsistentRead == true,
            request.ReturnConsumedCapacity, segment: null, cancellationToken).ConfigureAwait(false) is var page
            ? new QueryOutput
            {
                Items = page.Items,
                Count = page.Count,
                ScannedCount = page.Scanned,
                LastEvaluatedKey = page.LastKey,
                ConsumedCapacity = page.Capacity,
            }
            : throw new InvalidOperationException();
    }

    private static string? Max(string? a, string b) => a is null || string.CompareOrdinal(a, b) < 0 ? b : a;
    private static string? Min(string? a, string b) => a is null || string.CompareOrdinal(a, b) > 0 ? b : a;

    private static Condition? LegacyFilter(Dictionary<string, Api.Dynamodb.Condition>? filter, string? op)
    {
        if (filter is null || filter.Count == 0) return null;
        Condition? result = null;
        foreach (var (name, c) in filter)
        {
            var path = new DocPath();
            path.Elements.Add(name);
            var cond = LegacyCondition(new PathOperand(path), c.ComparisonOperator!, c.AttributeValueList ?? []);
            result = result is null ? cond : op == "OR" ? new OrCondition(result, cond) : new AndCondition(result, cond);
        }
        return result;
    }

    private static (IndexMeta? Index, List<KeyDef> Keys, string Table) ResolveIndex(TableMeta meta, string? indexName, bool? consistent)
    {
        if (indexName is null) return (null, meta.KeySchema, ItemsTable(meta));
        var index = meta.FindIndex(indexName) ?? throw DdbErrors.Validation($"The table does not have the specified index: {indexName}");
        if (index.Global && consistent == true)
        {
            throw DdbErrors.Validation("Consistent reads are not supported on global secondary indexes");
        }
        return (index, index.KeySchema, IndexTable(meta, index));
    }

    private static string CheckSelect(string? select, List<DocPath>? projection, IndexMeta? index)
    {
        if (select is null) return projection is not null ? "SPECIFIC_ATTRIBUTES" : index is null ? "ALL_ATTRIBUTES" : "ALL_PROJECTED_ATTRIBUTES";
        if (projection is not null && select != "SPECIFIC_ATTRIBUTES")
        {
            throw DdbErrors.Validation($"Cannot specify the AttributesToGet when choosing to get {select}");
        }
        if (select == "SPECIFIC_ATTRIBUTES" && projection is null)
        {
            throw DdbErrors.Validation("1 validation error detected: Value 'SPECIFIC_ATTRIBUTES' at 'select' failed to satisfy constraint: ProjectionExpression or AttributesToGet is required");
        }
        if (select == "ALL_PROJECTED_ATTRIBUTES" && index is null)
        {
            throw DdbErrors.Validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
        }
        if (select == "ALL_ATTRIBUTES" && index is { Global: true, ProjectionType: not "ALL" })
        {
            throw DdbErrors.Validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " + index.Name + " because its projection type is not ALL");
        }
        return select;
    }

    private static string StartKeyText(TableMeta meta, IndexMeta? index, Dictionary<string, AttributeValue> esk)
    {
        try
        {
            var needed = meta.KeySchema.Select(k => k.Name).Concat(index?.KeySchema.Select(k => k.Name) ?? []).Distinct().ToList();
            if (esk.Count != needed.Count || needed.Any(n => !esk.ContainsKey(n)))
            {
                throw DdbErrors.KeySchemaMismatch();
            }
            var baseKey = KeyTextFromKey(meta, KeyOf(meta, esk));
            if (index is null) return baseKey;
            var sb = new System.Text.StringBuilder();
            foreach (var k in index.KeySchema)
            {
                var v = esk[k.Name];
                if (Values.TypeName(Values.TypeOf(v)) != meta.TypeOf(k.Name)) throw DdbErrors.KeySchemaMismatch();
                sb.Append(Values.KeyText(v));
            }
            return sb.Append(baseKey).ToString();
        }
        catch (AwsServiceException e) when (e.Code == "ValidationException")
        {
            throw DdbErrors.Validation("The provided starting key is invalid: " + e.Message);
        }
    }

    private sealed record Page(List<Dictionary<string, AttributeValue>>? Items, int Count, int Scanned, Dictionary<string, AttributeValue>? LastKey, ConsumedCapacity? Capacity);

    private async ValueTask<Page> ReadAsync(TableMeta meta, IndexMeta? index, string table, ScanRange range, Condition? filter,
        List<DocPath>? projection, string select, int? limit, bool consistent, string? capacityMode, (int Segment, int Total)? segment, CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        var scanned = 0;
        var count = 0;
        long bytes = 0;
        Dictionary<string, AttributeValue>? last = null;
        var stoppedEarly = false;
        await foreach (var kv in _state.ScanAsync(table, range, ct).ConfigureAwait(false))
        {
            var item = Values.Decode(kv.Value);
            if (segment is { } s && SegmentOf(meta, item, s.Total) != s.Segment)
            {
                continue;
            }
            if (limit is { } l && scanned >= l || bytes >= PageBytes)
            {
                stoppedEarly = true;
                break;
            }
            scanned++;
            bytes += Values.ItemSize(item);
            last = item;
            if (filter is not null && !Evaluator.Evaluate(filter, item)) continue;
            count++;
            if (select == "COUNT") continue;
            Dictionary<string, AttributeValue> output = item;
            if (select == "ALL_ATTRIBUTES" && index is not null && index.ProjectionType != "ALL")
            {
                // LSI fetch from the base table.
                var full = await _state.GetAsync(ItemsTable(meta), KeyTextFromItem(meta, item), ct).ConfigureAwait(false);
                if (full is not null) output = Values.Decode(full);
            }
            if (projection is not null) output = Evaluator.Project(output, projection);
            items.Add(output);
        }
        if (!stoppedEarly && limit is { } lim && scanned == lim && last is not null)
        {
            stoppedEarly = true; // AWS returns LastEvaluatedKey whenever the limit is reached
        }
        Dictionary<string, AttributeValue>? lastKey = null;
        if (stoppedEarly && last is not null)
        {
            lastKey = KeyOf(meta, last);
            if (index is not null)
            {
                foreach (var k in index.KeySchema) lastKey[k.Name] = last[k.Name];
            }
        }
        var units = bytes == 0 ? (consistent ? 1.0 : 0.5) : ReadUnits(bytes, consistent);
        Dictionary<string, double>? indexUnits = index is null ? null : new(StringComparer.Ordinal) { [index.Name] = units };
        return new Page(select == "COUNT" ? null : items, count, scanned, lastKey,
            Capacity(capacityMode, meta, index is null ? units : 0, indexUnits, read: true));
    }

    private static int SegmentOf(TableMeta meta, Dictionary<string, AttributeValue> item, int total)
    {
        var text = Values.KeyText(item[meta.HashKey]);
        uint h = 2166136261;
        foreach (var c in text)
        {
            h = (h ^ c) * 16777619;
        }
        return (int)(h % (uint)total);
    }

    // ================= Scan =================

    public override async ValueTask<ScanOutput> ScanAsync(RequestContext context, ScanInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("ScanFilter", request.ScanFilter), ("AttributesToGet", request.AttributesToGet)),
            Present(("FilterExpression", request.FilterExpression), ("ProjectionExpression", request.ProjectionExpression)));
        if (request.Segment is not null && request.TotalSegments is null)
        {
            throw DdbErrors.Validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
        }
        if (request.TotalSegments is not null && request.Segment is null)
        {
            throw DdbErrors.Validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
        }
        if (request.Segment is { } seg && request.TotalSegments is { } total && seg >= total)
        {
            throw DdbErrors.Validation($"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {seg} is not less than TotalSegments: {total}");
        }
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        exprs.ValidateMaps(request.FilterExpression is not null || request.ProjectionExpression is not null);
        var filter = request.FilterExpression is not null ? exprs.ParseCondition(request.FilterExpression, "FilterExpression") : LegacyFilter(request.ScanFilter, request.ConditionalOperator);
        var projection = request.ProjectionExpression is not null ? exprs.ParseProjection(request.ProjectionExpression) : LegacyProjection(request.AttributesToGet);
        exprs.CheckUnused();
        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var (index, _, table) = ResolveIndex(meta, request.IndexName, request.ConsistentRead);
        var select = CheckSelect(request.Select, projection, index);
        var range = new ScanRange();
        if (request.ExclusiveStartKey is { } esk)
        {
            range = range with { FromKey = Upper(StartKeyText(meta, index, esk)) };
        }
        var page = await ReadAsync(meta, index, table, range, filter, projection, select, request.Limit, request.ConsistentRead == true,
            request.ReturnConsumedCapacity, request.Segment is { } s ? (s, request.TotalSegments!.Value) : null, cancellationToken).ConfigureAwait(false);
        return new ScanOutput
        {
            Items = page.Items,
            Count = page.Count,
            ScannedCount = page.Scanned,
            LastEvaluatedKey = page.LastKey,
            ConsumedCapacity = page.Capacity,
        };
    }
}
