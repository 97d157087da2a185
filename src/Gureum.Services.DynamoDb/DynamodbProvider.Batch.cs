using System.Collections.Concurrent;
using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

public sealed partial class DynamodbProvider
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string Fingerprint)> _transactionTokens = new(StringComparer.Ordinal);

    // ================= BatchGetItem =================

    public override async ValueTask<BatchGetItemOutput> BatchGetItemAsync(RequestContext context, BatchGetItemInput request, CancellationToken cancellationToken)
    {
        var requestItems = request.RequestItems ?? [];
        if (requestItems.Count == 0) throw DdbErrors.Validation("The requestItems parameter is required for BatchGetItem");
        if (requestItems.Sum(r => r.Value.Keys?.Count ?? 0) > 100)
        {
            throw DdbErrors.Validation("Too many items requested for the BatchGetItem call");
        }
        var responses = new Dictionary<string, List<Dictionary<string, AttributeValue>>>(StringComparer.Ordinal);
        var capacities = new List<ConsumedCapacity>();
        var plans = new List<(string Name, TableMeta Meta, List<string> Keys, List<DocPath>? Projection, bool Consistent)>();
        foreach (var (tableName, ka) in requestItems)
        {
            CheckNoMix(Present(("AttributesToGet", ka.AttributesToGet)), Present(("ProjectionExpression", ka.ProjectionExpression)));
            var exprs = new ExpressionContext(ka.ExpressionAttributeNames, null);
            exprs.ValidateMaps(ka.ProjectionExpression is not null);
            var projection = ka.ProjectionExpression is not null ? exprs.ParseProjection(ka.ProjectionExpression) : LegacyProjection(ka.AttributesToGet);
            exprs.CheckUnused();
            var meta = await TableForItemsAsync(context, tableName, cancellationToken).ConfigureAwait(false);
            var keys = (ka.Keys ?? []).Select(k => KeyTextFromKey(meta, k)).ToList();
            if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
            {
                throw DdbErrors.Validation("Provided list of item keys contains duplicates");
            }
            plans.Add((tableName, meta, keys, projection, ka.ConsistentRead == true));
        }
        foreach (var (name, meta, keys, projection, consistent) in plans)
        {
            var list = new List<Dictionary<string, AttributeValue>>();
            double units = 0;
            foreach (var key in keys)
            {
                var data = await _state.GetAsync(ItemsTable(meta), key, cancellationToken).ConfigureAwait(false);
                if (data is null)
                {
                    units += ReadUnits(0, consistent);
                    continue;
                }
                var item = Values.Decode(data);
                units += ReadUnits(Values.ItemSize(item), consistent);
                list.Add(projection is null ? item : Evaluator.Project(item, projection));
            }
            responses[name] = list;
            if (Capacity(request.ReturnConsumedCapacity, meta, units, null, read: true) is { } c) capacities.Add(c);
        }
        return new BatchGetItemOutput
        {
            Responses = responses,
            UnprocessedKeys = new Dictionary<string, KeysAndAttributes>(StringComparer.Ordinal),
            ConsumedCapacity = request.ReturnConsumedCapacity is null or "NONE" ? null : capacities,
        };
    }

    // ================= BatchWriteItem =================

    public override async ValueTask<BatchWriteItemOutput> BatchWriteItemAsync(RequestContext context, BatchWriteItemInput request, CancellationToken cancellationToken)
    {
        var requestItems = request.RequestItems ?? [];
        if (requestItems.Count == 0) throw DdbErrors.Validation("The requestItems parameter is required for BatchWriteItem");
        foreach (var (tableName, writes) in requestItems)
        {
            if (writes.Count is 0 or > 25)
            {
                // AWS's constraint message echoes the map as Java's toString of the request objects.
                var echo = "{" + tableName + "=[" + string.Join(", ", writes.Select(w =>
                    "com.amazonaws.dynamodb.v20120810.WriteRequest@" + ((uint)System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(w)).ToString("x", System.Globalization.CultureInfo.InvariantCulture))) + "]}";
                throw DdbErrors.Validation($"1 validation error detected: Value '{echo}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]");
            }
        }
        if (requestItems.Sum(r => r.Value.Count) > 25)
        {
            throw DdbErrors.Validation("Too many items requested for the BatchWriteItem call");
        }
        var work = new List<(TableMeta Meta, string Key, Dictionary<string, AttributeValue>? Item)>();
        foreach (var (tableName, writes) in requestItems)
        {
            var meta = await TableForItemsAsync(context, tableName, cancellationToken).ConfigureAwait(false);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var w in writes)
            {
                if ((w.PutRequest is null) == (w.DeleteRequest is null))
                {
                    throw DdbErrors.Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes");
                }
                string key;
                Dictionary<string, AttributeValue>? item = null;
                if (w.PutRequest is { } put)
                {
                    item = put.Item ?? [];
                    Values.ValidateItem(item);
                    key = KeyTextFromItem(meta, item, batch: true);
                    ValidateIndexKeys(meta, item);
                    CheckSize(item);
                }
                else
                {
                    key = KeyTextFromKey(meta, w.DeleteRequest!.Key);
                }
                if (!seen.Add(key))
                {
                    throw DdbErrors.Validation("Provided list of item keys contains duplicates");
                }
                work.Add((meta, key, item));
            }
        }
        var units = new Dictionary<string, (TableMeta Meta, double Units, Dictionary<string, double> Index)>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(work, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = 8 }, async (w, ct) =>
        {
            var result = await WriteItemAsync(w.Meta, w.Key, _ => w.Item, ct).ConfigureAwait(false);
            var size = Math.Max(w.Item is null ? 0 : Values.ItemSize(w.Item), result.Old is null ? 0 : Values.ItemSize(result.Old));
            lock (units)
            {
                var entry = units.TryGetValue(w.Meta.Name, out var e) ? e : (w.Meta, 0, new Dictionary<string, double>(StringComparer.Ordinal));
                foreach (var (name, u) in result.IndexUnits) entry.Item3[name] = entry.Item3.GetValueOrDefault(name) + u;
                units[w.Meta.Name] = (entry.Item1, entry.Item2 + WriteUnits(size), entry.Item3);
            }
        }).ConfigureAwait(false);
        List<ConsumedCapacity>? capacities = null;
        if (request.ReturnConsumedCapacity is "TOTAL" or "INDEXES")
        {
            capacities = units.Values.Select(u => Capacity(request.ReturnConsumedCapacity, u.Meta, u.Units, u.Index, read: false)!).ToList();
        }
        return new BatchWriteItemOutput
        {
            UnprocessedItems = new Dictionary<string, List<WriteRequest>>(StringComparer.Ordinal),
            ConsumedCapacity = capacities,
        };
    }

    // ================= TransactGetItems =================

    public override async ValueTask<TransactGetItemsOutput> TransactGetItemsAsync(RequestContext context, TransactGetItemsInput request, CancellationToken cancellationToken)
    {
        var responses = new List<ItemResponse>();
        var plans = new List<(TableMeta Meta, string Key, List<DocPath>? Projection)>();
        foreach (var t in request.TransactItems ?? [])
        {
            var get = t.Get!;
            var exprs = new ExpressionContext(get.ExpressionAttributeNames, null);
            exprs.ValidateMaps(get.ProjectionExpression is not null);
            var projection = get.ProjectionExpression is not null ? exprs.ParseProjection(get.ProjectionExpression) : null;
            exprs.CheckUnused();
            var meta = await TableForItemsAsync(context, get.TableName, cancellationToken).ConfigureAwait(false);
            plans.Add((meta, KeyTextFromKey(meta, get.Key), projection));
        }
        var capacities = new Dictionary<string, (TableMeta, double)>(StringComparer.Ordinal);
        foreach (var (meta, key, projection) in plans)
        {
            var data = await _state.GetAsync(ItemsTable(meta), key, cancellationToken).ConfigureAwait(false);
            var item = data is null ? null : Values.Decode(data);
            responses.Add(new ItemResponse { Item = item is null ? null : projection is null ? item : Evaluator.Project(item, projection) });
            var u = 2 * ReadUnits(item is null ? 0 : Values.ItemSize(item), true);
            capacities[meta.Name] = (meta, (capacities.TryGetValue(meta.Name, out var c) ? c.Item2 : 0) + u);
        }
        return new TransactGetItemsOutput
        {
            Responses = responses,
            ConsumedCapacity = request.ReturnConsumedCapacity is "TOTAL" or "INDEXES"
                ? capacities.Values.Select(c => Capacity(request.ReturnConsumedCapacity, c.Item1, c.Item2, null, read: true)!).ToList()
                : null,
        };
    }

    // ================= TransactWriteItems =================

    private static readonly TimeSpan TokenWindow = TimeSpan.FromMinutes(10);
    internal const string TransactionOngoing = "Transaction is ongoing for the item";
    private readonly ConcurrentDictionary<string, byte> _inTransaction = new(StringComparer.Ordinal);

    /// <summary>
    /// True when the token was used (within 10 minutes) for the same parameters: the retry succeeds without
    /// applying again. A different request under the same token is IdempotentParameterMismatchException.
    /// </summary>
    private ValueTask<bool> CheckTokenAsync(RequestContext context, string? token, string fingerprint)
    {
        if (token is null) return ValueTask.FromResult(false);
        var now = context.Clock.GetUtcNow();
        foreach (var (k, v) in _transactionTokens)
        {
            if (now - v.At > TokenWindow) _transactionTokens.TryRemove(k, out _);
        }
        if (!_transactionTokens.TryGetValue(context.AccountId + "/" + token, out var seen)) return ValueTask.FromResult(false);
        if (seen.Fingerprint != fingerprint)
        {
            throw new IdempotentParameterMismatchException("DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.");
        }
        return ValueTask.FromResult(true);
    }

    private void RememberToken(RequestContext context, string? token, string fingerprint)
    {
        if (token is not null) _transactionTokens[context.AccountId + "/" + token] = (context.Clock.GetUtcNow(), fingerprint);
    }

    private sealed class TxOp
    {
        public required TableMeta Meta { get; init; }
        public required string Key { get; init; }
        public Condition? Condition { get; init; }
        public string? ReturnOnFailure { get; init; }
        public required Func<Dictionary<string, AttributeValue>?, Dictionary<string, AttributeValue>?> Mutate { get; init; }
        public bool CheckOnly { get; init; }
        public string FailureCode { get; init; } = "ConditionalCheckFailed";
    }

    public override async ValueTask<TransactWriteItemsOutput> TransactWriteItemsAsync(RequestContext context, TransactWriteItemsInput request, CancellationToken cancellationToken)
    {
        var items = request.TransactItems ?? [];
        var fingerprint = string.Join("\n", items.Select(i => RequestFingerprint.Of(i.ToTree())));
        if (await CheckTokenAsync(context, request.ClientRequestToken, fingerprint).ConfigureAwait(false))
        {
            return new TransactWriteItemsOutput();
        }
        var ops = new List<TxOp>();
        foreach (var t in items)
        {
            var count = (t.Put is null ? 0 : 1) + (t.Update is null ? 0 : 1) + (t.Delete is null ? 0 : 1) + (t.ConditionCheck is null ? 0 : 1);
            if (count != 1)
            {
                throw DdbErrors.Validation("TransactItems can only contain one of Check, Put, Update or Delete");
            }
            ops.Add(await BuildTxOpAsync(context, t, cancellationToken).ConfigureAwait(false));
        }
        await RunTransactionAsync(ops, cancellationToken).ConfigureAwait(false);
        RememberToken(context, request.ClientRequestToken, fingerprint);
        return new TransactWriteItemsOutput
        {
            ConsumedCapacity = request.ReturnConsumedCapacity is "TOTAL" or "INDEXES"
                ? ops.GroupBy(o => o.Meta.Name).Select(g => Capacity(request.ReturnConsumedCapacity, g.First().Meta, 2.0 * g.Count(), null, read: false)!).ToList()
                : null,
        };
    }

    /// <summary>Checks every condition and commits all the writes of a transaction atomically, or cancels it.</summary>
    private async ValueTask RunTransactionAsync(List<TxOp> ops, CancellationToken ct)
    {
        var distinct = ops.Select(o => o.Meta.Id + "\n" + o.Key).Distinct(StringComparer.Ordinal).Count();
        if (distinct != ops.Count)
        {
            throw DdbErrors.Validation("Transaction request cannot include multiple operations on one item");
        }
        // Items of an ongoing transaction are claimed: a concurrent transaction on any of them is cancelled
        // with TransactionConflict, a concurrent single-item write gets TransactionConflictException (as on AWS).
        var claimed = new List<string>();
        var conflicts = new bool[ops.Count];
        for (var i = 0; i < ops.Count; i++)
        {
            var id = ops[i].Meta.Id + "\n" + ops[i].Key;
            if (_inTransaction.TryAdd(id, 0)) claimed.Add(id);
            else conflicts[i] = true;
        }
        if (conflicts.Any(c => c))
        {
            foreach (var id in claimed) _inTransaction.TryRemove(id, out _);
            var conflictReasons = conflicts.Select(c => c
                ? new CancellationReason { Code = "TransactionConflict", Message = TransactionOngoing }
                : new CancellationReason { Code = "None" }).ToList();
            throw new TransactionCanceledException(
                $"Transaction cancelled, please refer cancellation reasons for specific reasons [{string.Join(", ", conflictReasons.Select(r => r.Code))}]")
            { CancellationReasons = conflictReasons };
        }
        var stripes = ops.Select(o => StripeFor(o.Meta, o.Key)).Distinct().OrderBy(s => Array.IndexOf(_stripes, s)).ToList();
        try
        {
        foreach (var s in stripes) await s.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var batch = new WriteBatch();
                var reasons = new List<CancellationReason>();
                var failed = false;
                var indexUnits = new Dictionary<string, double>(StringComparer.Ordinal);
                var appends = new List<StreamAppend>();
                try
                {
                foreach (var op in ops)
                {
                    var table = ItemsTable(op.Meta);
                    var oldBytes = await _state.GetAsync(table, op.Key, ct).ConfigureAwait(false);
                    var old = oldBytes is null ? null : Values.Decode(oldBytes);
                    if (oldBytes is null) batch.RequireAbsent(table, op.Key);
                    else batch.RequireValue(table, op.Key, oldBytes);
                    if (op.Condition is not null && !Evaluator.Evaluate(op.Condition, old))
                    {
                        failed = true;
                        reasons.Add(new CancellationReason
                        {
                            Code = op.FailureCode,
                            Message = op.FailureCode == "DuplicateItem" ? "Duplicate primary key exists in table" : "The conditional request failed",
                            Item = op.ReturnOnFailure == "ALL_OLD" ? old : null,
                        });
                        continue;
                    }
                    reasons.Add(new CancellationReason { Code = "None" });
                    if (op.CheckOnly) continue;
                    var updated = op.Mutate(old);
                    if (updated is null)
                    {
                        if (old is not null) batch.Delete(table, op.Key);
                    }
                    else
                    {
                        batch.Put(table, op.Key, Values.Encode(updated));
                    }
                    AddIndexWrites(op.Meta, batch, old, updated, op.Key, indexUnits);
                    if (await AddStreamRecordAsync(op.Meta, batch, old, updated, false, ct).ConfigureAwait(false) is { } append)
                    {
                        appends.Add(append);
                    }
                }
                if (failed)
                {
                    throw new TransactionCanceledException(
                        $"Transaction cancelled, please refer cancellation reasons for specific reasons [{string.Join(", ", reasons.Select(r => r.Code))}]")
                    { CancellationReasons = reasons };
                }
                if (await _state.CommitAsync(batch, ct).ConfigureAwait(false))
                {
                    break;
                }
                }
                finally
                {
                    foreach (var a in appends) a.Complete();
                }
            }
        }
        finally
        {
            foreach (var s in stripes) s.Release();
        }
        }
        finally
        {
            foreach (var id in claimed) _inTransaction.TryRemove(id, out _);
        }
    }

    private async ValueTask<TxOp> BuildTxOpAsync(RequestContext context, TransactWriteItem t, CancellationToken ct)
    {
        if (t.Put is { } put)
        {
            var exprs = new ExpressionContext(put.ExpressionAttributeNames, put.ExpressionAttributeValues);
            exprs.ValidateMaps(put.ConditionExpression is not null);
            var condition = put.ConditionExpression is not null ? exprs.ParseCondition(put.ConditionExpression, "ConditionExpression") : null;
            exprs.CheckUnused();
            var item = put.Item ?? [];
            Values.ValidateItem(item);
            var meta = await TableForItemsAsync(context, put.TableName, ct).ConfigureAwait(false);
            var key = KeyTextFromItem(meta, item);
            ValidateIndexKeys(meta, item);
            CheckSize(item);
            return new TxOp { Meta = meta, Key = key, Condition = condition, ReturnOnFailure = put.ReturnValuesOnConditionCheckFailure, Mutate = _ => item };
        }
        if (t.Delete is { } del)
        {
            var exprs = new ExpressionContext(del.ExpressionAttributeNames, del.ExpressionAttributeValues);
            exprs.ValidateMaps(del.ConditionExpression is not null);
            var condition = del.ConditionExpression is not null ? exprs.ParseCondition(del.ConditionExpression, "ConditionExpression") : null;
            exprs.CheckUnused();
            var meta = await TableForItemsAsync(context, del.TableName, ct).ConfigureAwait(false);
            var key = KeyTextFromKey(meta, del.Key);
            return new TxOp { Meta = meta, Key = key, Condition = condition, ReturnOnFailure = del.ReturnValuesOnConditionCheckFailure, Mutate = _ => null };
        }
        if (t.ConditionCheck is { } check)
        {
            var exprs = new ExpressionContext(check.ExpressionAttributeNames, check.ExpressionAttributeValues);
            exprs.ValidateMaps(true);
            var condition = exprs.ParseCondition(check.ConditionExpression, "ConditionExpression");
            exprs.CheckUnused();
            var meta = await TableForItemsAsync(context, check.TableName, ct).ConfigureAwait(false);
            var key = KeyTextFromKey(meta, check.Key);
            return new TxOp { Meta = meta, Key = key, Condition = condition, ReturnOnFailure = check.ReturnValuesOnConditionCheckFailure, Mutate = o => o, CheckOnly = true };
        }
        var update = t.Update!;
        {
            var exprs = new ExpressionContext(update.ExpressionAttributeNames, update.ExpressionAttributeValues);
            exprs.ValidateMaps(true);
            var actions = exprs.ParseUpdate(update.UpdateExpression);
            var condition = update.ConditionExpression is not null ? exprs.ParseCondition(update.ConditionExpression, "ConditionExpression") : null;
            exprs.CheckUnused();
            var meta = await TableForItemsAsync(context, update.TableName, ct).ConfigureAwait(false);
            var key = KeyTextFromKey(meta, update.Key);
            foreach (var a in actions)
            {
                if (meta.KeySchema.Any(k => k.Name == a.Path.Top))
                {
                    throw DdbErrors.InvalidParams($"Cannot update attribute {a.Path.Top}. This attribute is part of the key");
                }
            }
            var keyMap = update.Key!;
            return new TxOp
            {
                Meta = meta, Key = key, Condition = condition, ReturnOnFailure = update.ReturnValuesOnConditionCheckFailure,
                Mutate = old =>
                {
                    var updated = Evaluator.ApplyUpdate(old ?? new Dictionary<string, AttributeValue>(keyMap, StringComparer.Ordinal), actions);
                    ValidateIndexKeys(meta, updated);
                    CheckSize(updated);
                    return updated;
                },
            };
        }
    }
}
