using System.Text;
using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

public sealed partial class DynamodbProvider
{
    internal const long MaxItemSize = 400 * 1024;

    // ================= keys =================

    /// <summary>Checks a Key parameter (exactly the key attributes) and returns its storage key text.</summary>
    internal static string KeyTextFromKey(TableMeta meta, Dictionary<string, AttributeValue>? key)
    {
        if (key is null || key.Count != meta.KeySchema.Count)
        {
            throw DdbErrors.KeySchemaMismatch();
        }
        var sb = new StringBuilder();
        foreach (var k in meta.KeySchema)
        {
            if (!key.TryGetValue(k.Name, out var v) || Values.TypeName(Values.TypeOf(v)) != meta.TypeOf(k.Name))
            {
                throw DdbErrors.KeySchemaMismatch();
            }
            Values.Validate(v);
            CheckKeyValue(k, v);
            sb.Append(Values.KeyText(v));
        }
        return sb.ToString();
    }

    private static void CheckKeyValue(KeyDef k, AttributeValue v)
    {
        if (v.S is { Length: 0 })
        {
            throw DdbErrors.Validation($"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {k.Name}");
        }
        if (v.B is { Length: 0 })
        {
            throw DdbErrors.Validation($"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: {k.Name}");
        }
        var size = v.S is not null ? Encoding.UTF8.GetByteCount(v.S) : v.B?.Length ?? 0;
        if (k.Type == "HASH" && size > 2048)
        {
            throw DdbErrors.InvalidParams("Size of hashkey has exceeded the maximum size limit of2048 bytes");
        }
        if (k.Type == "RANGE" && size > 1024)
        {
            throw DdbErrors.InvalidParams("Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
        }
    }

    /// <summary>Checks an Item (PutItem) for its key attributes and returns the storage key text.</summary>
    internal static string KeyTextFromItem(TableMeta meta, Dictionary<string, AttributeValue> item, bool batch = false)
    {
        var sb = new StringBuilder();
        foreach (var k in meta.KeySchema)
        {
            if (!item.TryGetValue(k.Name, out var v))
            {
                throw DdbErrors.InvalidParams($"Missing the key {k.Name} in the item");
            }
            var expected = meta.TypeOf(k.Name);
            var actual = Values.TypeName(Values.TypeOf(v));
            if (actual != expected)
            {
                if (batch) throw DdbErrors.KeySchemaMismatch();
                throw DdbErrors.InvalidParams($"Type mismatch for key {k.Name} expected: {expected} actual: {actual}");
            }
            CheckKeyValue(k, v);
            sb.Append(Values.KeyText(v));
        }
        return sb.ToString();
    }

    internal static Dictionary<string, AttributeValue> KeyOf(TableMeta meta, Dictionary<string, AttributeValue> item)
    {
        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var k in meta.KeySchema)
        {
            key[k.Name] = item[k.Name];
        }
        return key;
    }

    /// <summary>Index key attributes present in an item must have the index's type and be non-empty.</summary>
    internal static void ValidateIndexKeys(TableMeta meta, Dictionary<string, AttributeValue> item)
    {
        foreach (var index in meta.Gsis.Concat(meta.Lsis).OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            foreach (var k in index.KeySchema)
            {
                if (!item.TryGetValue(k.Name, out var v)) continue;
                var expected = meta.TypeOf(k.Name);
                var actual = Values.TypeName(Values.TypeOf(v));
                if (actual != expected)
                {
                    throw DdbErrors.InvalidParams($"Type mismatch for Index Key {k.Name} Expected: {expected} Actual: {actual} IndexName: {index.Name}");
                }
                if (v.S is { Length: 0 } || v.B is { Length: 0 })
                {
                    throw DdbErrors.Validation($"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {(v.S is not null ? "string" : "binary")} value. IndexName: {index.Name}, IndexKey: {k.Name}");
                }
            }
        }
    }

    internal static (string Key, Dictionary<string, AttributeValue> Item)? IndexEntry(TableMeta meta, IndexMeta index, Dictionary<string, AttributeValue>? item, string baseKeyText)
    {
        if (item is null) return null;
        var sb = new StringBuilder();
        foreach (var k in index.KeySchema)
        {
            if (!item.TryGetValue(k.Name, out var v) || Values.TypeName(Values.TypeOf(v)) != meta.TypeOf(k.Name)) return null;
            sb.Append(Values.KeyText(v));
        }
        sb.Append(baseKeyText);
        return (sb.ToString(), ProjectForIndex(meta, index, item));
    }

    internal static Dictionary<string, AttributeValue> ProjectForIndex(TableMeta meta, IndexMeta index, Dictionary<string, AttributeValue> item)
    {
        if (index.ProjectionType == "ALL") return item;
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var name in meta.KeySchema.Select(k => k.Name).Concat(index.KeySchema.Select(k => k.Name)).Concat(index.NonKeyAttributes ?? []))
        {
            if (item.TryGetValue(name, out var v)) result[name] = v;
        }
        return result;
    }

    // ================= the write path =================

    private SemaphoreSlim StripeFor(TableMeta meta, string keyText) =>
        _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(meta.Id + "\n" + keyText) % (uint)_stripes.Length)];

    internal sealed class WriteResult
    {
        public Dictionary<string, AttributeValue>? Old { get; init; }
        public Dictionary<string, AttributeValue>? New { get; init; }
        public Dictionary<string, double> IndexUnits { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Reads the item, lets <paramref name="mutate"/> decide the new item (null = delete; it throws for failed
    /// conditions), and commits the item and its index entries atomically, serialised per item.
    /// </summary>
    private async ValueTask<WriteResult> WriteItemAsync(TableMeta meta, string keyText,
        Func<Dictionary<string, AttributeValue>?, Dictionary<string, AttributeValue>?> mutate, CancellationToken ct, bool byTtl = false)
    {
        if (_inTransaction.ContainsKey(meta.Id + "\n" + keyText))
        {
            throw new TransactionConflictException(TransactionOngoing);
        }
        var stripe = StripeFor(meta, keyText);
        await stripe.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var table = ItemsTable(meta);
                var oldBytes = await _state.GetAsync(table, keyText, ct).ConfigureAwait(false);
                var old = oldBytes is null ? null : Values.Decode(oldBytes);
                var updated = mutate(old);
                var batch = new WriteBatch();
                if (oldBytes is null) batch.RequireAbsent(table, keyText);
                else batch.RequireValue(table, keyText, oldBytes);
                var result = new WriteResult { Old = old, New = updated };
                if (updated is null)
                {
                    if (old is null) return result;
                    batch.Delete(table, keyText);
                }
                else
                {
                    batch.Put(table, keyText, Values.Encode(updated));
                }
                AddIndexWrites(meta, batch, old, updated, keyText, result.IndexUnits);
                var append = await AddStreamRecordAsync(meta, batch, old, updated, byTtl, ct).ConfigureAwait(false);
                try
                {
                    if (await _state.CommitAsync(batch, ct).ConfigureAwait(false))
                    {
                        return result;
                    }
                }
                finally
                {
                    append?.Complete();
                }
            }
        }
        finally
        {
            stripe.Release();
        }
    }

    internal static void AddIndexWrites(TableMeta meta, WriteBatch batch, Dictionary<string, AttributeValue>? old,
        Dictionary<string, AttributeValue>? updated, string keyText, Dictionary<string, double> units)
    {
        foreach (var index in meta.Gsis.Concat(meta.Lsis))
        {
            var before = IndexEntry(meta, index, old, keyText);
            var after = IndexEntry(meta, index, updated, keyText);
            if (before is null && after is null) continue;
            var t = IndexTable(meta, index);
            double u = 0;
            if (before is { } b && (after is null || after.Value.Key != b.Key))
            {
                batch.Delete(t, b.Key);
                u += WriteUnits(Values.ItemSize(b.Item));
            }
            if (after is { } a)
            {
                batch.Put(t, a.Key, Values.Encode(a.Item));
                u += WriteUnits(Values.ItemSize(a.Item));
            }
            units[index.Name] = u;
        }
    }

    // ================= capacity =================

    internal static double WriteUnits(long size) => Math.Max(1, Math.Ceiling(size / 1024.0));

    internal static double ReadUnits(long size, bool consistent)
    {
        var units = Math.Max(1, Math.Ceiling(size / 4096.0));
        return consistent ? units : units / 2;
    }

    internal static ConsumedCapacity? Capacity(string? mode, TableMeta meta, double tableUnits, Dictionary<string, double>? indexUnits, bool read)
    {
        if (mode is null or "NONE") return null;
        var total = tableUnits + (indexUnits?.Values.Sum() ?? 0);
        var c = new ConsumedCapacity { TableName = meta.Name, CapacityUnits = total };
        if (read) c.ReadCapacityUnits = total;
        else c.WriteCapacityUnits = total;
        if (mode == "INDEXES")
        {
            c.Table = read ? new Capacity { CapacityUnits = tableUnits, ReadCapacityUnits = tableUnits } : new Capacity { CapacityUnits = tableUnits, WriteCapacityUnits = tableUnits };
            if (indexUnits is not null)
            {
                foreach (var (name, u) in indexUnits)
                {
                    var cap = read ? new Capacity { CapacityUnits = u, ReadCapacityUnits = u } : new Capacity { CapacityUnits = u, WriteCapacityUnits = u };
                    if (meta.Gsis.Any(g => g.Name == name)) (c.GlobalSecondaryIndexes ??= new(StringComparer.Ordinal))[name] = cap;
                    else (c.LocalSecondaryIndexes ??= new(StringComparer.Ordinal))[name] = cap;
                }
            }
        }
        return c;
    }

    // ================= expression plumbing =================

    private static void CheckNoMix(List<string> legacy, List<string> expressions)
    {
        if (legacy.Count > 0 && expressions.Count > 0)
        {
            throw DdbErrors.Validation($"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{string.Join(", ", legacy)}}} Expression parameters: {{{string.Join(", ", expressions)}}}");
        }
    }

    private static List<string> Present(params (string Name, object? Value)[] members) =>
        members.Where(m => m.Value is not null).Select(m => m.Name).ToList();

    /// <summary>The legacy Expected parameter as a condition AST.</summary>
    internal static Condition? FromExpected(Dictionary<string, ExpectedAttributeValue>? expected, string? conditionalOperator)
    {
        if (expected is null || expected.Count == 0) return null;
        Condition? result = null;
        foreach (var (name, e) in expected)
        {
            var path = new DocPath();
            path.Elements.Add(name);
            var p = new PathOperand(path);
            Condition c;
            if (e.ComparisonOperator is { } op)
            {
                c = LegacyCondition(p, op, e.AttributeValueList ?? (e.Value is null ? [] : [e.Value]));
            }
            else if (e.Exists == false)
            {
                if (e.Value is not null)
                {
                    throw DdbErrors.InvalidParams($"Value cannot be used when Exists is false for Attribute: {name}");
                }
                c = new FunctionCondition("attribute_not_exists", [p]);
            }
            else
            {
                if (e.Value is null)
                {
                    throw DdbErrors.InvalidParams($"Value must be provided when Exists is true for Attribute: {name}");
                }
                Values.Validate(e.Value);
                c = new CompareCondition("=", p, new ValueOperand(":legacy", e.Value));
            }
            result = result is null ? c : conditionalOperator == "OR" ? new OrCondition(result, c) : new AndCondition(result, c);
        }
        return result;
    }

    internal static Condition LegacyCondition(PathOperand p, string op, List<AttributeValue> values)
    {
        foreach (var v in values) Values.Validate(v);
        ValueOperand V(int i) => i < values.Count ? new ValueOperand(":legacy", values[i])
            : throw DdbErrors.InvalidParams($"Invalid number of argument(s) for the {op} ComparisonOperator");
        return op switch
        {
            "EQ" => new CompareCondition("=", p, V(0)),
            "NE" => new CompareCondition("<>", p, V(0)),
            "LT" => new CompareCondition("<", p, V(0)),
            "LE" => new CompareCondition("<=", p, V(0)),
            "GT" => new CompareCondition(">", p, V(0)),
            "GE" => new CompareCondition(">=", p, V(0)),
            "BETWEEN" => new BetweenCondition(p, V(0), V(1)),
            "IN" => new InCondition(p, values.Select((_, i) => (Operand)V(i)).ToList()),
            "BEGINS_WITH" => new FunctionCondition("begins_with", [p, V(0)]),
            "CONTAINS" => new FunctionCondition("contains", [p, V(0)]),
            "NOT_CONTAINS" => new NotCondition(new FunctionCondition("contains", [p, V(0)])),
            "NULL" => new FunctionCondition("attribute_not_exists", [p]),
            "NOT_NULL" => new FunctionCondition("attribute_exists", [p]),
            _ => throw DdbErrors.Validation($"Unsupported operator on ExpectedAttributeValue or ConditionalOperator: {op}"),
        };
    }

    private static ConditionalCheckFailedException ConditionFailed(string? returnOnFailure, Dictionary<string, AttributeValue>? old)
    {
        var e = new ConditionalCheckFailedException("The conditional request failed");
        if (returnOnFailure == "ALL_OLD" && old is not null)
        {
            e.Item = old;
        }
        return e;
    }

    private static void CheckSize(Dictionary<string, AttributeValue> item)
    {
        if (Values.ItemSize(item) > MaxItemSize)
        {
            throw DdbErrors.Validation("Item size has exceeded the maximum allowed size");
        }
    }

    // ================= PutItem =================

    public override async ValueTask<PutItemOutput> PutItemAsync(RequestContext context, PutItemInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("Expected", request.Expected)), Present(("ConditionExpression", request.ConditionExpression)));
        if (request.ReturnValues is not (null or "NONE" or "ALL_OLD"))
        {
            throw DdbErrors.Validation("ReturnValues can only be ALL_OLD or NONE");
        }
        var item = request.Item ?? [];
        Values.ValidateItem(item);
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        exprs.ValidateMaps(request.ConditionExpression is not null);
        var condition = request.ConditionExpression is not null
            ? exprs.ParseCondition(request.ConditionExpression, "ConditionExpression")
            : FromExpected(request.Expected, request.ConditionalOperator);
        exprs.CheckUnused();

        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var keyText = KeyTextFromItem(meta, item);
        ValidateIndexKeys(meta, item);
        CheckSize(item);

        var result = await WriteItemAsync(meta, keyText, old =>
        {
            if (condition is not null && !Evaluator.Evaluate(condition, old))
            {
                throw ConditionFailed(request.ReturnValuesOnConditionCheckFailure, old);
            }
            return item;
        }, cancellationToken).ConfigureAwait(false);

        var units = WriteUnits(Math.Max(Values.ItemSize(item), result.Old is null ? 0 : Values.ItemSize(result.Old)));
        return new PutItemOutput
        {
            Attributes = request.ReturnValues == "ALL_OLD" ? result.Old : null,
            ConsumedCapacity = Capacity(request.ReturnConsumedCapacity, meta, units, result.IndexUnits, read: false),
            ItemCollectionMetrics = CollectionMetrics(request.ReturnItemCollectionMetrics, meta, item),
        };
    }

    private static ItemCollectionMetrics? CollectionMetrics(string? mode, TableMeta meta, Dictionary<string, AttributeValue> item)
    {
        if (mode != "SIZE" || meta.Lsis.Count == 0) return null;
        return new ItemCollectionMetrics
        {
            ItemCollectionKey = new Dictionary<string, AttributeValue>(StringComparer.Ordinal) { [meta.HashKey] = item[meta.HashKey] },
            SizeEstimateRangeGB = [0, 1],
        };
    }

    // ================= GetItem =================

    public override async ValueTask<GetItemOutput> GetItemAsync(RequestContext context, GetItemInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("AttributesToGet", request.AttributesToGet)), Present(("ProjectionExpression", request.ProjectionExpression)));
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, null);
        exprs.ValidateMaps(request.ProjectionExpression is not null);
        var projection = request.ProjectionExpression is not null ? exprs.ParseProjection(request.ProjectionExpression) : LegacyProjection(request.AttributesToGet);
        exprs.CheckUnused();
        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var keyText = KeyTextFromKey(meta, request.Key);
        var data = await _state.GetAsync(ItemsTable(meta), keyText, cancellationToken).ConfigureAwait(false);
        var item = data is null ? null : Values.Decode(data);
        var consistent = request.ConsistentRead == true;
        var units = ReadUnits(item is null ? 0 : Values.ItemSize(item), consistent);
        return new GetItemOutput
        {
            Item = item is null ? null : projection is null ? item : Evaluator.Project(item, projection),
            ConsumedCapacity = Capacity(request.ReturnConsumedCapacity, meta, units, null, read: true),
        };
    }

    internal static List<DocPath>? LegacyProjection(List<string>? attributesToGet)
    {
        if (attributesToGet is null) return null;
        if (attributesToGet.Distinct(StringComparer.Ordinal).Count() != attributesToGet.Count)
        {
            throw DdbErrors.InvalidParams($"Duplicate value in attribute name: {attributesToGet.GroupBy(a => a).First(g => g.Count() > 1).Key}");
        }
        return attributesToGet.Select(a =>
        {
            var p = new DocPath();
            p.Elements.Add(a);
            return p;
        }).ToList();
    }

    // ================= DeleteItem =================

    public override async ValueTask<DeleteItemOutput> DeleteItemAsync(RequestContext context, DeleteItemInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("Expected", request.Expected)), Present(("ConditionExpression", request.ConditionExpression)));
        if (request.ReturnValues is not (null or "NONE" or "ALL_OLD"))
        {
            throw DdbErrors.Validation("ReturnValues can only be ALL_OLD or NONE");
        }
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        exprs.ValidateMaps(request.ConditionExpression is not null);
        var condition = request.ConditionExpression is not null
            ? exprs.ParseCondition(request.ConditionExpression, "ConditionExpression")
            : FromExpected(request.Expected, request.ConditionalOperator);
        exprs.CheckUnused();
        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var keyText = KeyTextFromKey(meta, request.Key);
        var result = await WriteItemAsync(meta, keyText, old =>
        {
            if (condition is not null && !Evaluator.Evaluate(condition, old))
            {
                throw ConditionFailed(request.ReturnValuesOnConditionCheckFailure, old);
            }
            return null;
        }, cancellationToken).ConfigureAwait(false);
        var units = WriteUnits(result.Old is null ? 0 : Values.ItemSize(result.Old));
        return new DeleteItemOutput
        {
            Attributes = request.ReturnValues == "ALL_OLD" ? result.Old : null,
            ConsumedCapacity = Capacity(request.ReturnConsumedCapacity, meta, units, result.IndexUnits, read: false),
            ItemCollectionMetrics = result.Old is null ? null : CollectionMetrics(request.ReturnItemCollectionMetrics, meta, result.Old),
        };
    }

    // ================= UpdateItem =================

    public override async ValueTask<UpdateItemOutput> UpdateItemAsync(RequestContext context, UpdateItemInput request, CancellationToken cancellationToken)
    {
        CheckNoMix(Present(("Expected", request.Expected), ("AttributeUpdates", request.AttributeUpdates)),
            Present(("UpdateExpression", request.UpdateExpression), ("ConditionExpression", request.ConditionExpression)));
        var exprs = new ExpressionContext(request.ExpressionAttributeNames, request.ExpressionAttributeValues);
        exprs.ValidateMaps(request.ConditionExpression is not null || request.UpdateExpression is not null);
        var actions = request.UpdateExpression is not null ? exprs.ParseUpdate(request.UpdateExpression) : LegacyUpdates(request.AttributeUpdates);
        var condition = request.ConditionExpression is not null
            ? exprs.ParseCondition(request.ConditionExpression, "ConditionExpression")
            : FromExpected(request.Expected, request.ConditionalOperator);
        exprs.CheckUnused();

        var meta = await TableForItemsAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var keyText = KeyTextFromKey(meta, request.Key);
        foreach (var a in actions)
        {
            if (meta.KeySchema.Any(k => k.Name == a.Path.Top))
            {
                throw DdbErrors.InvalidParams($"Cannot update attribute {a.Path.Top}. This attribute is part of the key");
            }
        }

        var result = await WriteItemAsync(meta, keyText, old =>
        {
            if (condition is not null && !Evaluator.Evaluate(condition, old))
            {
                throw ConditionFailed(request.ReturnValuesOnConditionCheckFailure, old);
            }
            var start = old ?? new Dictionary<string, AttributeValue>(request.Key!, StringComparer.Ordinal);
            var updated = Evaluator.ApplyUpdate(start, actions);
            ValidateIndexKeys(meta, updated);
            CheckSize(updated);
            return updated;
        }, cancellationToken).ConfigureAwait(false);

        var units = WriteUnits(Math.Max(Values.ItemSize(result.New!), result.Old is null ? 0 : Values.ItemSize(result.Old)));
        Dictionary<string, AttributeValue>? attributes = null;
        var paths = actions.Select(a => a.Path).ToList();
        switch (request.ReturnValues)
        {
            case "ALL_OLD":
                attributes = result.Old;
                break;
            case "ALL_NEW":
                attributes = result.New;
                break;
            case "UPDATED_OLD":
                attributes = result.Old is null ? null : Evaluator.Project(result.Old, paths);
                break;
            case "UPDATED_NEW":
                attributes = Evaluator.Project(result.New!, paths);
                break;
        }
        if (attributes is { Count: 0 }) attributes = null;
        return new UpdateItemOutput
        {
            Attributes = attributes,
            ConsumedCapacity = Capacity(request.ReturnConsumedCapacity, meta, units, result.IndexUnits, read: false),
            ItemCollectionMetrics = CollectionMetrics(request.ReturnItemCollectionMetrics, meta, result.New!),
        };
    }

    private static List<UpdateAction> LegacyUpdates(Dictionary<string, AttributeValueUpdate>? updates)
    {
        var actions = new List<UpdateAction>();
        foreach (var (name, u) in updates ?? [])
        {
            var path = new DocPath();
            path.Elements.Add(name);
            if (u.Value is not null) Values.Validate(u.Value);
            switch (u.Action ?? "PUT")
            {
                case "PUT":
                    if (u.Value is null) throw DdbErrors.InvalidParams($"Only DELETE action is allowed when no attribute value is specified: {name}");
                    actions.Add(new UpdateAction(UpdateKind.Set, path, new ValueOperand(":legacy", u.Value)));
                    break;
                case "DELETE":
                    actions.Add(u.Value is null ? new UpdateAction(UpdateKind.Remove, path, null) : new UpdateAction(UpdateKind.Delete, path, new ValueOperand(":legacy", u.Value)));
                    break;
                case "ADD":
                    if (u.Value is null) throw DdbErrors.InvalidParams($"Only DELETE action is allowed when no attribute value is specified: {name}");
                    actions.Add(new UpdateAction(UpdateKind.Add, path, new ValueOperand(":legacy", u.Value)));
                    break;
            }
        }
        return actions;
    }
}
