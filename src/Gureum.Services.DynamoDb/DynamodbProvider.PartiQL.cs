using System.Text;
using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

/// <summary>PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction over the same item engine.</summary>
public sealed partial class DynamodbProvider
{
    private const string KeyEqualityMissing = "Where clause does not contain a mandatory equality on all key attributes";

    /// <summary>Top-level AND-ed equalities "attr = value" in a WHERE clause.</summary>
    private static Dictionary<string, AttributeValue> Equalities(Condition? where)
    {
        var result = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        void Walk(Condition? c)
        {
            switch (c)
            {
                case AndCondition and:
                    Walk(and.Left);
                    Walk(and.Right);
                    break;
                case ParenCondition p:
                    Walk(p.Inner);
                    break;
                case CompareCondition { Op: "=" } cmp:
                    if (cmp.Left is PathOperand { Path.Elements.Count: 1 } lp && cmp.Right is ValueOperand rv) result.TryAdd(lp.Path.Top, rv.Value);
                    else if (cmp.Right is PathOperand { Path.Elements.Count: 1 } rp && cmp.Left is ValueOperand lv) result.TryAdd(rp.Path.Top, lv.Value);
                    break;
            }
        }
        Walk(where);
        return result;
    }

    /// <summary>The full primary key from the WHERE clause, or null when some key attribute has no equality.</summary>
    private static Dictionary<string, AttributeValue>? KeyFromWhere(TableMeta meta, Condition? where)
    {
        var eq = Equalities(where);
        var key = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var k in meta.KeySchema)
        {
            if (!eq.TryGetValue(k.Name, out var v)) return null;
            key[k.Name] = v;
        }
        return key;
    }

    private async ValueTask<TableMeta> PqlTableAsync(RequestContext context, PqlStatement s, CancellationToken ct)
    {
        var meta = await FindTableAsync(context, s.Table, ct).ConfigureAwait(false) ?? throw DdbErrors.ResourceNotFound();
        if (s.Index is not null && s.Kind != PqlKind.Select)
        {
            throw DdbErrors.Validation("Statement wasn't well formed, can't be processed: Index may only be specified for SELECT statements");
        }
        if (s.Index is not null && meta.FindIndex(s.Index) is null)
        {
            throw DdbErrors.Validation($"The table does not have the specified index: {s.Index}");
        }
        return meta;
    }

    public override async ValueTask<ExecuteStatementOutput> ExecuteStatementAsync(RequestContext context, ExecuteStatementInput request, CancellationToken cancellationToken)
    {
        var s = PartiQLParser.Parse(request.Statement ?? "", request.Parameters);
        var meta = await PqlTableAsync(context, s, cancellationToken).ConfigureAwait(false);
        if (s.Kind == PqlKind.Select)
        {
            return await SelectAsync(meta, s, request.Limit, request.NextToken, request.ReturnConsumedCapacity, cancellationToken).ConfigureAwait(false);
        }
        var (items, units) = await WriteStatementAsync(meta, s, request.ReturnValuesOnConditionCheckFailure, cancellationToken).ConfigureAwait(false);
        return new ExecuteStatementOutput
        {
            Items = items,
            ConsumedCapacity = Capacity(request.ReturnConsumedCapacity, meta, units, null, read: false),
        };
    }

    private async ValueTask<ExecuteStatementOutput> SelectAsync(TableMeta meta, PqlStatement s, int? limit, string? nextToken, string? capacityMode, CancellationToken ct)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        double units = 0;
        if (s.Index is null && KeyFromWhere(meta, s.Where) is { } key && nextToken is null)
        {
            var keyText = KeyTextFromKey(meta, key);
            var data = await _state.GetAsync(ItemsTable(meta), keyText, ct).ConfigureAwait(false);
            var item = data is null ? null : Values.Decode(data);
            units = ReadUnits(item is null ? 0 : Values.ItemSize(item), false);
            if (item is not null && Evaluator.Evaluate(s.Where!, item))
            {
                items.Add(s.Projection is null ? item : Evaluator.Project(item, s.Projection));
            }
            return new ExecuteStatementOutput { Items = items, ConsumedCapacity = Capacity(capacityMode, meta, units, null, read: true) };
        }
        var index = s.Index is null ? null : meta.FindIndex(s.Index)!;
        var table = index is null ? ItemsTable(meta) : IndexTable(meta, index);
        // An equality on the (index's) partition key reads only that partition, as DynamoDB turns it into a Query.
        string? partition = null;
        var hashName = index?.HashKey ?? meta.HashKey;
        if (Equalities(s.Where).TryGetValue(hashName, out var hashValue) && Values.TypeName(Values.TypeOf(hashValue)) == meta.TypeOf(hashName))
        {
            partition = Values.KeyText(hashValue);
        }
        string? from = null;
        if (nextToken is not null)
        {
            try
            {
                from = ScanRange.After(Encoding.UTF8.GetString(Convert.FromBase64String(nextToken)));
            }
            catch (FormatException)
            {
                throw DdbErrors.Validation("Invalid NextToken");
            }
        }
        var max = limit ?? int.MaxValue;
        var evaluated = 0;
        string? lastKey = null;
        long bytes = 0;
        await foreach (var kv in _state.ScanAsync(table, new ScanRange { Prefix = partition, FromKey = from, Limit = max == int.MaxValue ? null : max + 1 }, ct).ConfigureAwait(false))
        {
            if (evaluated == max)
            {
                break;
            }
            evaluated++;
            lastKey = kv.Key;
            var item = Values.Decode(kv.Value);
            bytes += Values.ItemSize(item);
            if (s.Where is null || Evaluator.Evaluate(s.Where, item))
            {
                items.Add(s.Projection is null ? item : Evaluator.Project(item, s.Projection));
            }
            lastKey = evaluated == max ? kv.Key : null;
        }
        units = ReadUnits(bytes, false);
        var output = new ExecuteStatementOutput { Items = items, ConsumedCapacity = Capacity(capacityMode, meta, units, null, read: true) };
        if (lastKey is not null)
        {
            // Only hand out a token when more items may follow.
            var more = false;
            await foreach (var _ in _state.ScanAsync(table, new ScanRange { Prefix = partition, FromKey = ScanRange.After(lastKey), Limit = 1 }, ct).ConfigureAwait(false)) more = true;
            if (more) output.NextToken = Convert.ToBase64String(Encoding.UTF8.GetBytes(lastKey));
        }
        return output;
    }

    /// <summary>INSERT/UPDATE/DELETE as a single-item write; returns RETURNING items and write units.</summary>
    private async ValueTask<(List<Dictionary<string, AttributeValue>> Items, double Units)> WriteStatementAsync(TableMeta meta, PqlStatement s, string? returnOnFailure, CancellationToken ct)
    {
        var op = BuildPqlOp(meta, s, returnOnFailure);
        WriteResult result;
        result = await WriteItemAsync(meta, op.Key, old =>
        {
            if (op.Condition is not null && !Evaluator.Evaluate(op.Condition, old))
            {
                if (op.FailureCode == "DuplicateItem") throw new DuplicateItemException("Duplicate primary key exists in table");
                throw ConditionFailed(returnOnFailure, old);
            }
            return op.Mutate(old);
        }, ct).ConfigureAwait(false);
        var items = new List<Dictionary<string, AttributeValue>>();
        var paths = s.Actions.Select(a => a.Path).ToList();
        Dictionary<string, AttributeValue>? returned = s.Returning switch
        {
            "ALL_OLD" => result.Old,
            "ALL_NEW" => result.New,
            "MODIFIED_OLD" => result.Old is null ? null : Evaluator.Project(result.Old, paths),
            "MODIFIED_NEW" => result.New is null ? null : Evaluator.Project(result.New, paths),
            _ => null,
        };
        if (returned is { Count: > 0 }) items.Add(returned);
        var size = Math.Max(result.New is null ? 0 : Values.ItemSize(result.New), result.Old is null ? 0 : Values.ItemSize(result.Old));
        return (items, WriteUnits(size));
    }

    private TxOp BuildPqlOp(TableMeta meta, PqlStatement s, string? returnOnFailure)
    {
        switch (s.Kind)
        {
            case PqlKind.Insert:
            {
                var item = s.Item!;
                Values.ValidateItem(item);
                var key = KeyTextFromItem(meta, item);
                ValidateIndexKeys(meta, item);
                CheckSize(item);
                var hash = new DocPath();
                hash.Elements.Add(meta.HashKey);
                return new TxOp
                {
                    Meta = meta, Key = key, Condition = new FunctionCondition("attribute_not_exists", [new PathOperand(hash)]),
                    FailureCode = "DuplicateItem", Mutate = _ => item,
                };
            }
            case PqlKind.Update:
            case PqlKind.Delete:
            {
                var keyMap = KeyFromWhere(meta, s.Where) ?? throw DdbErrors.Validation(KeyEqualityMissing);
                var key = KeyTextFromKey(meta, keyMap);
                foreach (var a in s.Actions)
                {
                    if (meta.KeySchema.Any(k => k.Name == a.Path.Top))
                    {
                        throw DdbErrors.InvalidParams($"Cannot update attribute {a.Path.Top}. This attribute is part of the key");
                    }
                }
                var actions = s.Actions;
                return new TxOp
                {
                    Meta = meta, Key = key, Condition = s.Where, ReturnOnFailure = returnOnFailure,
                    Mutate = s.Kind == PqlKind.Delete ? _ => null : old =>
                    {
                        var updated = Evaluator.ApplyUpdate(old!, actions);
                        ValidateIndexKeys(meta, updated);
                        CheckSize(updated);
                        return updated;
                    },
                };
            }
            default:
                throw DdbErrors.Validation("Unsupported operation");
        }
    }

    private static string BatchCode(AwsServiceException e) => e.Code switch
    {
        "ValidationException" => "ValidationError",
        "ResourceNotFoundException" => "ResourceNotFound",
        "ConditionalCheckFailedException" => "ConditionalCheckFailed",
        "DuplicateItemException" => "DuplicateItem",
        "TransactionConflictException" => "TransactionConflict",
        _ => e.Code.EndsWith("Exception", StringComparison.Ordinal) ? e.Code[..^9] : e.Code,
    };

    public override async ValueTask<BatchExecuteStatementOutput> BatchExecuteStatementAsync(RequestContext context, BatchExecuteStatementInput request, CancellationToken cancellationToken)
    {
        var statements = request.Statements ?? [];
        var parsed = new List<PqlStatement?>();
        var errors = new List<AwsServiceException?>();
        foreach (var st in statements)
        {
            try
            {
                parsed.Add(PartiQLParser.Parse(st.Statement ?? "", st.Parameters));
                errors.Add(null);
            }
            catch (AwsServiceException e)
            {
                parsed.Add(null);
                errors.Add(e);
            }
        }
        var kinds = parsed.Where(p => p is not null).Select(p => p!.Kind == PqlKind.Select).Distinct().Count();
        if (kinds > 1)
        {
            throw DdbErrors.Validation("Unsupported operation: Batch must consist of only read or only write statements");
        }
        var responses = new List<BatchStatementResponse>();
        for (var i = 0; i < statements.Count; i++)
        {
            var response = new BatchStatementResponse();
            var s = parsed[i];
            try
            {
                if (errors[i] is { } parseError) throw parseError;
                var meta = await PqlTableAsync(context, s!, cancellationToken).ConfigureAwait(false);
                response.TableName = meta.Name;
                if (s!.Kind == PqlKind.Select)
                {
                    var key = s.Index is null ? KeyFromWhere(meta, s.Where) : null;
                    if (key is null)
                    {
                        throw DdbErrors.Validation(KeyEqualityMissing);
                    }
                    var data = await _state.GetAsync(ItemsTable(meta), KeyTextFromKey(meta, key), cancellationToken).ConfigureAwait(false);
                    var item = data is null ? null : Values.Decode(data);
                    if (item is not null && Evaluator.Evaluate(s.Where!, item))
                    {
                        response.Item = s.Projection is null ? item : Evaluator.Project(item, s.Projection);
                    }
                }
                else
                {
                    await WriteStatementAsync(meta, s, statements[i].ReturnValuesOnConditionCheckFailure, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (AwsServiceException e)
            {
                response.Error = new BatchStatementError { Code = BatchCode(e), Message = e.Message };
                if (e is ConditionalCheckFailedException { Item: { } failedItem }) response.Error.Item = failedItem;
            }
            responses.Add(response);
        }
        return new BatchExecuteStatementOutput { Responses = responses };
    }

    public override async ValueTask<ExecuteTransactionOutput> ExecuteTransactionAsync(RequestContext context, ExecuteTransactionInput request, CancellationToken cancellationToken)
    {
        var statements = request.TransactStatements ?? [];
        var parsed = statements.Select(st => PartiQLParser.Parse(st.Statement ?? "", st.Parameters)).ToList();
        var reads = parsed.Count(p => p.Kind == PqlKind.Select);
        if (reads > 0 && reads != parsed.Count)
        {
            throw DdbErrors.Validation("Unsupported operation: Transactions must consist of only read or only write statements");
        }
        if (reads > 0)
        {
            var responses = new List<ItemResponse>();
            foreach (var s in parsed)
            {
                var meta = await PqlTableAsync(context, s, cancellationToken).ConfigureAwait(false);
                var key = (s.Index is null ? KeyFromWhere(meta, s.Where) : null) ?? throw DdbErrors.Validation(KeyEqualityMissing);
                var data = await _state.GetAsync(ItemsTable(meta), KeyTextFromKey(meta, key), cancellationToken).ConfigureAwait(false);
                var item = data is null ? null : Values.Decode(data);
                responses.Add(new ItemResponse
                {
                    Item = item is not null && Evaluator.Evaluate(s.Where!, item) ? (s.Projection is null ? item : Evaluator.Project(item, s.Projection)) : null,
                });
            }
            return new ExecuteTransactionOutput { Responses = responses };
        }
        var fingerprint = string.Join("\n", statements.Select(st => RequestFingerprint.Of(st.ToTree())));
        if (await CheckTokenAsync(context, request.ClientRequestToken, fingerprint).ConfigureAwait(false))
        {
            return new ExecuteTransactionOutput();
        }
        var ops = new List<TxOp>();
        for (var i = 0; i < parsed.Count; i++)
        {
            var meta = await PqlTableAsync(context, parsed[i], cancellationToken).ConfigureAwait(false);
            ops.Add(BuildPqlOp(meta, parsed[i], statements[i].ReturnValuesOnConditionCheckFailure));
        }
        await RunTransactionAsync(ops, cancellationToken).ConfigureAwait(false);
        RememberToken(context, request.ClientRequestToken, fingerprint);
        return new ExecuteTransactionOutput
        {
            ConsumedCapacity = request.ReturnConsumedCapacity is "TOTAL" or "INDEXES"
                ? ops.GroupBy(o => o.Meta.Name).Select(g => Capacity(request.ReturnConsumedCapacity, g.First().Meta, 2.0 * g.Count(), null, read: false)!).ToList()
                : null,
        };
    }
}
