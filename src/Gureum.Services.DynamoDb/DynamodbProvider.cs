using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

/// <summary>
/// Amazon DynamoDB: tables, items with the full expression language, Query/Scan over an order-preserving
/// key encoding, secondary indexes maintained in the same atomic batch as the item, batch operations.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Lives as long as the server process.")]
public sealed partial class DynamodbProvider : DynamodbServiceBase
{
    private const string MetaTable = "ddb-tables";
    private readonly IStateStore _state;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 1024).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    private readonly SemaphoreSlim _tableLock = new(1, 1);

    private readonly TimeProvider _clock;

    public DynamodbProvider(IStateStore state, TimeProvider? clock = null)
    {
        _state = state;
        _clock = clock ?? TimeProvider.System;
        _sweepTimer = _clock.CreateTimer(_ => _ = SweepAsync(), null, SweepInterval, SweepInterval);
    }

    private static string MetaKey(RequestContext ctx, string name) => $"{ctx.AccountId}/{ctx.Region}/{name}";

    internal static string ItemsTable(TableMeta meta) => "ddb-items/" + meta.Id;

    internal static string IndexTable(TableMeta meta, IndexMeta index) => "ddb-index/" + meta.Id + "/" + index.Name;

    /// <summary>Accepts a table name or a table ARN (as AWS does), returning the name.</summary>
    private static string NameFrom(string? tableName)
    {
        var name = tableName ?? "";
        var slash = name.StartsWith("arn:", StringComparison.Ordinal) ? name.IndexOf(":table/", StringComparison.Ordinal) : -1;
        return slash >= 0 ? name[(slash + 7)..] : name;
    }

    /// <summary>The table-name constraints AWS applies to plain names (the model's shape also admits ARNs).</summary>
    internal static void CheckTableName(string? name, bool create)
    {
        if (name is null || name.StartsWith("arn:", StringComparison.Ordinal) && !create) return;
        var problems = new List<string>();
        if (name.Length < 3 && create)
        {
            problems.Add($"Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3");
        }
        if (name.Length > 255)
        {
            problems.Add($"Value '{name}' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255");
        }
        if (name.Length > 0 && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
        {
            problems.Add($"Value '{name}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
        if (problems.Count > 0)
        {
            throw DdbErrors.Validation($"{problems.Count} validation error{(problems.Count == 1 ? "" : "s")} detected: {string.Join("; ", problems)}");
        }
    }

    private async ValueTask<TableMeta?> FindTableAsync(RequestContext ctx, string? tableName, CancellationToken ct)
    {
        CheckTableName(tableName, create: false);
        var data = await _state.GetAsync(MetaTable, MetaKey(ctx, NameFrom(tableName)), ct).ConfigureAwait(false);
        return data is null ? null : MetaJson.Deserialize(data);
    }

    /// <summary>Item operations answer a missing table with the short message.</summary>
    private async ValueTask<TableMeta> TableForItemsAsync(RequestContext ctx, string? tableName, CancellationToken ct) =>
        await FindTableAsync(ctx, tableName, ct).ConfigureAwait(false) ?? throw DdbErrors.ResourceNotFound();

    private async ValueTask<TableMeta> TableForControlAsync(RequestContext ctx, string? tableName, CancellationToken ct) =>
        await FindTableAsync(ctx, tableName, ct).ConfigureAwait(false) ?? throw DdbErrors.TableNotFound(NameFrom(tableName));

    private async ValueTask SaveTableAsync(RequestContext ctx, TableMeta meta, CancellationToken ct)
    {
        var batch = new WriteBatch().Put(MetaTable, MetaKey(ctx, meta.Name), MetaJson.Serialize(meta));
        await _state.CommitAsync(batch, ct).ConfigureAwait(false);
    }

    // ================= CreateTable =================

    public override async ValueTask<CreateTableOutput> CreateTableAsync(RequestContext context, CreateTableInput request, CancellationToken cancellationToken)
    {
        if (request.TableName is null)
        {
            throw DdbErrors.Validation("The parameter 'TableName' is required but was not present in the request");
        }
        CheckTableName(request.TableName, create: true);
        var keySchema = request.KeySchema ?? [];
        var attrs = request.AttributeDefinitions ?? [];
        var meta = new TableMeta
        {
            Name = request.TableName,
            Id = Guid.NewGuid().ToString(),
            Arn = $"arn:aws:dynamodb:{context.Region}:{context.AccountId}:table/{request.TableName}",
            CreatedMs = context.Clock.GetUtcNow().ToUnixTimeMilliseconds(),
            KeySchema = ValidateKeySchema(keySchema, attrs, null),
        };

        var defined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in attrs)
        {
            if (!defined.TryAdd(a.AttributeName!, a.AttributeType!))
            {
                throw DdbErrors.InvalidParams($"Duplicate AttributeName in AttributeDefinitions: {a.AttributeName}");
            }
        }

        var billing = request.BillingMode ?? "PROVISIONED";
        meta.BillingMode = billing;
        if (billing == "PAY_PER_REQUEST")
        {
            if (request.ProvisionedThroughput is not null)
            {
                throw DdbErrors.InvalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
            }
            meta.PayPerRequestSinceMs = meta.CreatedMs;
            meta.MaxReadRequestUnits = request.OnDemandThroughput?.MaxReadRequestUnits;
            meta.MaxWriteRequestUnits = request.OnDemandThroughput?.MaxWriteRequestUnits;
        }
        else
        {
            if (request.ProvisionedThroughput is not { ReadCapacityUnits: not null, WriteCapacityUnits: not null } pt)
            {
                throw DdbErrors.InvalidParams("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
            }
            meta.Rcu = pt.ReadCapacityUnits.Value;
            meta.Wcu = pt.WriteCapacityUnits.Value;
        }

        var used = new HashSet<string>(meta.KeySchema.Select(k => k.Name), StringComparer.Ordinal);
        var indexNames = new HashSet<string>(StringComparer.Ordinal);
        if (request.LocalSecondaryIndexes is { } lsis)
        {
            if (lsis.Count == 0) throw DdbErrors.InvalidParams("List of LocalSecondaryIndexes is empty");
            if (meta.RangeKey is null)
            {
                throw DdbErrors.InvalidParams("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
            }
            if (lsis.Count > 5) throw DdbErrors.InvalidParams("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
            foreach (var lsi in lsis)
            {
                if (!indexNames.Add(lsi.IndexName!)) throw DdbErrors.InvalidParams($"Duplicate index name: {lsi.IndexName}");
                var ks = ValidateKeySchema(lsi.KeySchema ?? [], attrs, lsi.IndexName);
                if (ks.Count < 2) throw DdbErrors.InvalidParams($"Index KeySchema does not have a range key for index: {lsi.IndexName}");
                if (ks[0].Name != meta.HashKey)
                {
                    throw DdbErrors.InvalidParams($"Index KeySchema does not have the same leading hash key as table KeySchema for index: {lsi.IndexName}. index hash key: {ks[0].Name}, table hash key: {meta.HashKey}");
                }
                foreach (var k in ks) used.Add(k.Name);
                meta.Lsis.Add(BuildIndex(lsi.IndexName!, false, ks, lsi.Projection, meta));
            }
        }
        if (request.GlobalSecondaryIndexes is { } gsis)
        {
            if (gsis.Count == 0) throw DdbErrors.InvalidParams("List of GlobalSecondaryIndexes is empty");
            if (gsis.Count > 20) throw DdbErrors.InvalidParams("GlobalSecondaryIndex count exceeds the per-table limit of 20");
            foreach (var gsi in gsis)
            {
                if (!indexNames.Add(gsi.IndexName!)) throw DdbErrors.InvalidParams($"Duplicate index name: {gsi.IndexName}");
                var ks = ValidateKeySchema(gsi.KeySchema ?? [], attrs, gsi.IndexName);
                foreach (var k in ks) used.Add(k.Name);
                var index = BuildIndex(gsi.IndexName!, true, ks, gsi.Projection, meta);
                if (billing == "PAY_PER_REQUEST")
                {
                    if (gsi.ProvisionedThroughput is not null)
                    {
                        throw DdbErrors.InvalidParams($"ProvisionedThroughput should not be specified for index: {gsi.IndexName} when BillingMode is PAY_PER_REQUEST");
                    }
                    index.MaxReadRequestUnits = gsi.OnDemandThroughput?.MaxReadRequestUnits;
                    index.MaxWriteRequestUnits = gsi.OnDemandThroughput?.MaxWriteRequestUnits;
                }
                else
                {
                    if (gsi.ProvisionedThroughput is not { ReadCapacityUnits: not null, WriteCapacityUnits: not null } gpt)
                    {
                        throw DdbErrors.InvalidParams($"ProvisionedThroughput must be specified for index: {gsi.IndexName}");
                    }
                    index.Rcu = gpt.ReadCapacityUnits.Value;
                    index.Wcu = gpt.WriteCapacityUnits.Value;
                }
                meta.Gsis.Add(index);
            }
        }
        if (used.Count != defined.Count)
        {
            throw DdbErrors.InvalidParams(meta.Gsis.Count + meta.Lsis.Count == 0
                ? "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
                : "Some AttributeDefinitions are not used. AttributeDefinitions: [" + string.Join(", ", defined.Keys) + "], keys used: [" + string.Join(", ", used) + "]");
        }
        meta.Attributes = attrs.Select(a => new AttrDef { Name = a.AttributeName!, Type = a.AttributeType! }).ToList();

        if (request.StreamSpecification is { } stream)
        {
            if (stream.StreamEnabled == true)
            {
                if (stream.StreamViewType is null)
                {
                    throw DdbErrors.Validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true");
                }
                meta.StreamEnabled = true;
                meta.StreamViewType = stream.StreamViewType;
                meta.StreamLabel = context.Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        if (request.SSESpecification is { Enabled: true } sse)
        {
            meta.SseEnabled = true;
            meta.SseType = sse.SSEType ?? "KMS";
            meta.KmsKeyArn = sse.KMSMasterKeyId is { } key
                ? (key.StartsWith("arn:", StringComparison.Ordinal) ? key : $"arn:aws:kms:{context.Region}:{context.AccountId}:key/{key}")
                : $"arn:aws:kms:{context.Region}:{context.AccountId}:key/{Guid.NewGuid()}";
        }
        meta.DeletionProtection = request.DeletionProtectionEnabled ?? false;
        meta.TableClass = request.TableClass;
        if (request.Tags is { } tags)
        {
            meta.Tags = tags.Select(t => new TagDef { Key = t.Key!, Value = t.Value! }).ToList();
        }

        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = MetaKey(context, meta.Name);
            var batch = new WriteBatch().RequireAbsent(MetaTable, key).Put(MetaTable, key, MetaJson.Serialize(meta));
            if (!await _state.CommitAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                throw new ResourceInUseException($"Table already exists: {meta.Name}");
            }
            if (meta.StreamEnabled)
            {
                await RegisterStreamAsync(context.AccountId, context.Region, meta, true, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _tableLock.Release();
        }
        var description = await DescribeAsync(meta, cancellationToken).ConfigureAwait(false);
        return new CreateTableOutput { TableDescription = description };
    }

    private static List<KeyDef> ValidateKeySchema(List<KeySchemaElement> schema, List<AttributeDefinition> attrs, string? index)
    {
        if (schema.Count == 0)
        {
            throw DdbErrors.Validation("1 validation error detected: Value '[]' at '" + (index is null ? "keySchema" : "keySchema") + "' failed to satisfy constraint: Member must have length greater than or equal to 1");
        }
        if (schema[0].KeyType != "HASH")
        {
            throw DdbErrors.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }
        if (schema.Count > 1 && schema[1].KeyType != "RANGE")
        {
            throw DdbErrors.Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        }
        if (schema.Count > 1 && schema[0].AttributeName == schema[1].AttributeName)
        {
            throw DdbErrors.Validation("Invalid KeySchema: Some index key attribute have no definition");
        }
        var missing = schema.Where(k => attrs.All(a => a.AttributeName != k.AttributeName)).Select(k => k.AttributeName).ToList();
        if (missing.Count > 0)
        {
            throw DdbErrors.InvalidParams($"Some index key attributes are not defined in AttributeDefinitions. Keys: [{string.Join(", ", missing)}], AttributeDefinitions: [{string.Join(", ", attrs.Select(a => a.AttributeName))}]");
        }
        return schema.Select(k => new KeyDef { Name = k.AttributeName!, Type = k.KeyType! }).ToList();
    }

    private static IndexMeta BuildIndex(string name, bool global, List<KeyDef> keys, Projection? projection, TableMeta table)
    {
        var type = projection?.ProjectionType ?? "ALL";
        var nonKey = projection?.NonKeyAttributes;
        if (type == "INCLUDE")
        {
            if (nonKey is null || nonKey.Count == 0)
            {
                throw DdbErrors.InvalidParams($"NonKeyAttributes must be specified when ProjectionType is INCLUDE");
            }
        }
        else if (nonKey is not null)
        {
            throw DdbErrors.InvalidParams($"ProjectionType is {type}, but NonKeyAttributes is specified");
        }
        _ = table;
        return new IndexMeta { Name = name, Global = global, KeySchema = keys, ProjectionType = type, NonKeyAttributes = nonKey };
    }

    // ================= DescribeTable / ListTables / DeleteTable =================

    private async ValueTask<TableDescription> DescribeAsync(TableMeta meta, CancellationToken ct, string status = "ACTIVE")
    {
        var itemsTable = ItemsTable(meta);
        long count = 0, size = 0;
        if (status == "ACTIVE")
        {
            await foreach (var kv in _state.ScanAsync(itemsTable, ScanRange.All, ct).ConfigureAwait(false))
            {
                count++;
                size += ItemSizeFromStored(kv.Value);
                if (count >= 100_000)
                {
                    count = await _state.CountAsync(itemsTable, null, ct).ConfigureAwait(false);
                    size = size / 100_000 * count;
                    break;
                }
            }
        }
        var created = DateTimeOffset.FromUnixTimeMilliseconds(meta.CreatedMs);
        var d = new TableDescription
        {
            TableName = meta.Name,
            TableArn = meta.Arn,
            TableId = meta.Id,
            TableStatus = status,
            CreationDateTime = created,
            ItemCount = count,
            TableSizeBytes = size,
            AttributeDefinitions = meta.Attributes.Select(a => new AttributeDefinition { AttributeName = a.Name, AttributeType = a.Type }).ToList(),
            KeySchema = Keys(meta.KeySchema),
            ProvisionedThroughput = new ProvisionedThroughputDescription
            {
                NumberOfDecreasesToday = meta.DecreasesToday,
                ReadCapacityUnits = meta.Rcu,
                WriteCapacityUnits = meta.Wcu,
                LastIncreaseDateTime = meta.LastIncreaseMs is { } inc ? DateTimeOffset.FromUnixTimeMilliseconds(inc) : null,
                LastDecreaseDateTime = meta.LastDecreaseMs is { } dec ? DateTimeOffset.FromUnixTimeMilliseconds(dec) : null,
            },
            DeletionProtectionEnabled = meta.DeletionProtection,
        };
        if (meta.BillingMode == "PAY_PER_REQUEST")
        {
            d.BillingModeSummary = new BillingModeSummary
            {
                BillingMode = "PAY_PER_REQUEST",
                LastUpdateToPayPerRequestDateTime = DateTimeOffset.FromUnixTimeMilliseconds(meta.PayPerRequestSinceMs ?? meta.CreatedMs),
            };
            d.OnDemandThroughput = new OnDemandThroughput { MaxReadRequestUnits = meta.MaxReadRequestUnits ?? -1, MaxWriteRequestUnits = meta.MaxWriteRequestUnits ?? -1 };
        }
        else if (meta.PayPerRequestSinceMs is not null)
        {
            d.BillingModeSummary = new BillingModeSummary { BillingMode = "PROVISIONED" };
        }
        if (meta.Gsis.Count > 0)
        {
            d.GlobalSecondaryIndexes = [];
            foreach (var g in meta.Gsis)
            {
                var (ic, isz) = await IndexStatsAsync(meta, g, ct).ConfigureAwait(false);
                var gd = new GlobalSecondaryIndexDescription
                {
                    IndexName = g.Name,
                    KeySchema = Keys(g.KeySchema),
                    Projection = ProjectionOf(g),
                    IndexStatus = "ACTIVE",
                    ProvisionedThroughput = new ProvisionedThroughputDescription { NumberOfDecreasesToday = 0, ReadCapacityUnits = g.Rcu, WriteCapacityUnits = g.Wcu },
                    IndexSizeBytes = isz,
                    ItemCount = ic,
                    IndexArn = meta.Arn + "/index/" + g.Name,
                };
                if (meta.BillingMode == "PAY_PER_REQUEST")
                {
                    gd.OnDemandThroughput = new OnDemandThroughput { MaxReadRequestUnits = g.MaxReadRequestUnits ?? -1, MaxWriteRequestUnits = g.MaxWriteRequestUnits ?? -1 };
                }
                d.GlobalSecondaryIndexes.Add(gd);
            }
        }
        if (meta.Lsis.Count > 0)
        {
            d.LocalSecondaryIndexes = [];
            foreach (var l in meta.Lsis)
            {
                var (ic, isz) = await IndexStatsAsync(meta, l, ct).ConfigureAwait(false);
                d.LocalSecondaryIndexes.Add(new LocalSecondaryIndexDescription
                {
                    IndexName = l.Name,
                    KeySchema = Keys(l.KeySchema),
                    Projection = ProjectionOf(l),
                    IndexSizeBytes = isz,
                    ItemCount = ic,
                    IndexArn = meta.Arn + "/index/" + l.Name,
                });
            }
        }
        if (meta.StreamEnabled)
        {
            d.StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = meta.StreamViewType };
        }
        if (meta.StreamLabel is not null)
        {
            d.LatestStreamLabel = meta.StreamLabel;
            d.LatestStreamArn = meta.Arn + "/stream/" + meta.StreamLabel;
        }
        if (meta.SseEnabled)
        {
            d.SSEDescription = new SSEDescription { Status = "ENABLED", SSEType = meta.SseType, KMSMasterKeyArn = meta.KmsKeyArn };
        }
        if (meta.TableClass is { } tc)
        {
            d.TableClassSummary = new TableClassSummary { TableClass = tc };
        }
        return d;
    }

    private async ValueTask<(long Count, long Size)> IndexStatsAsync(TableMeta meta, IndexMeta index, CancellationToken ct)
    {
        long count = 0, size = 0;
        await foreach (var kv in _state.ScanAsync(IndexTable(meta, index), new ScanRange { Limit = 100_000 }, ct).ConfigureAwait(false))
        {
            count++;
            size += ItemSizeFromStored(kv.Value);
        }
        return (count, size);
    }

    private static long ItemSizeFromStored(byte[] value) => Values.ItemSize(Values.Decode(value));

    private static List<KeySchemaElement> Keys(List<KeyDef> keys) =>
        keys.Select(k => new KeySchemaElement { AttributeName = k.Name, KeyType = k.Type }).ToList();

    private static Projection ProjectionOf(IndexMeta index) => new()
    {
        ProjectionType = index.ProjectionType,
        NonKeyAttributes = index.NonKeyAttributes,
    };

    public override async ValueTask<DescribeTableOutput> DescribeTableAsync(RequestContext context, DescribeTableInput request, CancellationToken cancellationToken)
    {
        var meta = await TableForControlAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        return new DescribeTableOutput { Table = await DescribeAsync(meta, cancellationToken).ConfigureAwait(false) };
    }

    public override async ValueTask<ListTablesOutput> ListTablesAsync(RequestContext context, ListTablesInput request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? 100;
        var prefix = $"{context.AccountId}/{context.Region}/";
        var range = new ScanRange
        {
            Prefix = prefix,
            FromKey = request.ExclusiveStartTableName is { } start ? ScanRange.After(prefix + start) : null,
            Limit = limit + 1,
        };
        var names = new List<string>();
        await foreach (var kv in _state.ScanAsync(MetaTable, range, cancellationToken).ConfigureAwait(false))
        {
            names.Add(kv.Key[prefix.Length..]);
        }
        var output = new ListTablesOutput { TableNames = names.Take(limit).ToList() };
        if (names.Count > limit)
        {
            output.LastEvaluatedTableName = output.TableNames[^1];
        }
        return output;
    }

    public override async ValueTask<DeleteTableOutput> DeleteTableAsync(RequestContext context, DeleteTableInput request, CancellationToken cancellationToken)
    {
        var meta = await TableForControlAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        if (meta.DeletionProtection)
        {
            throw DdbErrors.Validation($"Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.");
        }
        var description = await DescribeAsync(meta, cancellationToken).ConfigureAwait(false);
        description.TableStatus = "DELETING";
        await _state.CommitAsync(new WriteBatch().Delete(MetaTable, MetaKey(context, meta.Name)), cancellationToken).ConfigureAwait(false);
        if (meta.StreamEnabled)
        {
            await RegisterStreamAsync(context.AccountId, context.Region, meta, false, cancellationToken).ConfigureAwait(false);
        }
        await PurgeAsync(ItemsTable(meta), cancellationToken).ConfigureAwait(false);
        foreach (var index in meta.Gsis.Concat(meta.Lsis))
        {
            await PurgeAsync(IndexTable(meta, index), cancellationToken).ConfigureAwait(false);
        }
        return new DeleteTableOutput { TableDescription = description };
    }

    private async ValueTask PurgeAsync(string table, CancellationToken ct)
    {
        while (true)
        {
            var batch = new WriteBatch();
            var n = 0;
            await foreach (var kv in _state.ScanAsync(table, new ScanRange { Limit = 1000 }, ct).ConfigureAwait(false))
            {
                batch.Delete(table, kv.Key);
                n++;
            }
            if (n == 0) return;
            await _state.CommitAsync(batch, ct).ConfigureAwait(false);
        }
    }

    // ================= UpdateTable =================

    public override async ValueTask<UpdateTableOutput> UpdateTableAsync(RequestContext context, UpdateTableInput request, CancellationToken cancellationToken)
    {
        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await TableForControlAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
            var now = context.Clock.GetUtcNow().ToUnixTimeMilliseconds();
            var changed = false;
            if (request.BillingMode is { } billing && billing != meta.BillingMode)
            {
                meta.BillingMode = billing;
                changed = true;
                if (billing == "PAY_PER_REQUEST")
                {
                    meta.PayPerRequestSinceMs = now;
                    meta.Rcu = 0;
                    meta.Wcu = 0;
                    foreach (var g in meta.Gsis)
                    {
                        g.Rcu = 0;
                        g.Wcu = 0;
                    }
                }
                else if (request.ProvisionedThroughput is null)
                {
                    throw DdbErrors.InvalidParams("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
                }
            }
            if (request.ProvisionedThroughput is { } pt)
            {
                if (meta.BillingMode == "PAY_PER_REQUEST")
                {
                    throw DdbErrors.InvalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
                }
                var rcu = pt.ReadCapacityUnits ?? meta.Rcu;
                var wcu = pt.WriteCapacityUnits ?? meta.Wcu;
                if (rcu == meta.Rcu && wcu == meta.Wcu && !changed)
                {
                    throw DdbErrors.Validation($"The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {meta.Rcu}. Requested ReadCapacityUnits: {rcu}. Current WriteCapacityUnits provisioned for the table: {meta.Wcu}. Requested WriteCapacityUnits: {wcu}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
                }
                if (rcu > meta.Rcu || wcu > meta.Wcu) meta.LastIncreaseMs = now;
                if (rcu < meta.Rcu || wcu < meta.Wcu)
                {
                    meta.LastDecreaseMs = now;
                    meta.DecreasesToday++;
                }
                meta.Rcu = rcu;
                meta.Wcu = wcu;
                changed = true;
            }
            if (request.DeletionProtectionEnabled is { } dp)
            {
                meta.DeletionProtection = dp;
                changed = true;
            }
            if (request.StreamSpecification is { } stream)
            {
                if (stream.StreamEnabled == true)
                {
                    if (meta.StreamEnabled)
                    {
                        throw DdbErrors.Validation($"Table already has an enabled stream: {meta.Arn}/stream/{meta.StreamLabel}");
                    }
                    if (stream.StreamViewType is null)
                    {
                        throw DdbErrors.Validation("One or more parameter values were invalid: StreamViewType is required when StreamEnabled is true");
                    }
                    meta.StreamEnabled = true;
                    meta.StreamViewType = stream.StreamViewType;
                    meta.StreamLabel = context.Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
                    await RegisterStreamAsync(context.AccountId, context.Region, meta, true, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    if (!meta.StreamEnabled)
                    {
                        throw DdbErrors.Validation("Table already has stream disabled");
                    }
                    meta.StreamEnabled = false;
                    await RegisterStreamAsync(context.AccountId, context.Region, meta, false, cancellationToken).ConfigureAwait(false);
                }
                changed = true;
            }
            if (request.TableClass is { } tableClass)
            {
                meta.TableClass = tableClass;
                changed = true;
            }
            if (request.SSESpecification is { } sse)
            {
                meta.SseEnabled = sse.Enabled ?? meta.SseEnabled;
                meta.SseType = sse.SSEType ?? meta.SseType ?? "KMS";
                meta.KmsKeyArn ??= $"arn:aws:kms:{context.Region}:{context.AccountId}:key/{Guid.NewGuid()}";
                changed = true;
            }
            if (request.GlobalSecondaryIndexUpdates is { } updates)
            {
                foreach (var u in updates)
                {
                    if (u.Delete is { } del)
                    {
                        var index = meta.Gsis.FirstOrDefault(g => g.Name == del.IndexName)
                            ?? throw new ResourceNotFoundException($"Requested resource not found: Index: {del.IndexName} not found for table: {meta.Name}");
                        meta.Gsis.Remove(index);
                        await PurgeAsync(IndexTable(meta, index), cancellationToken).ConfigureAwait(false);
                    }
                    else if (u.Update is { } upd)
                    {
                        var index = meta.Gsis.FirstOrDefault(g => g.Name == upd.IndexName)
                            ?? throw new ResourceNotFoundException($"Requested resource not found: Index: {upd.IndexName} not found for table: {meta.Name}");
                        if (upd.ProvisionedThroughput is { } ipt)
                        {
                            index.Rcu = ipt.ReadCapacityUnits ?? index.Rcu;
                            index.Wcu = ipt.WriteCapacityUnits ?? index.Wcu;
                        }
                    }
                    else if (u.Create is { } create)
                    {
                        if (meta.FindIndex(create.IndexName!) is not null)
                        {
                            throw DdbErrors.InvalidParams($"Duplicate index name: {create.IndexName}");
                        }
                        var attrs = (request.AttributeDefinitions ?? []).Concat(meta.Attributes.Select(a => new AttributeDefinition { AttributeName = a.Name, AttributeType = a.Type })).ToList();
                        var ks = ValidateKeySchema(create.KeySchema ?? [], attrs, create.IndexName);
                        var index = BuildIndex(create.IndexName!, true, ks, create.Projection, meta);
                        if (meta.BillingMode == "PROVISIONED")
                        {
                            if (create.ProvisionedThroughput is not { ReadCapacityUnits: not null, WriteCapacityUnits: not null } cpt)
                            {
                                throw DdbErrors.InvalidParams($"ProvisionedThroughput must be specified for index: {create.IndexName}");
                            }
                            index.Rcu = cpt.ReadCapacityUnits.Value;
                            index.Wcu = cpt.WriteCapacityUnits.Value;
                        }
                        foreach (var k in ks)
                        {
                            if (meta.Attributes.All(a => a.Name != k.Name))
                            {
                                var def = attrs.First(a => a.AttributeName == k.Name);
                                meta.Attributes.Add(new AttrDef { Name = k.Name, Type = def.AttributeType! });
                            }
                        }
                        meta.Gsis.Add(index);
                        await BackfillAsync(meta, index, cancellationToken).ConfigureAwait(false);
                    }
                }
                changed = true;
            }
            if (!changed && request.OnDemandThroughput is null)
            {
                throw DdbErrors.Validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
            }
            if (request.OnDemandThroughput is { } odt)
            {
                meta.MaxReadRequestUnits = odt.MaxReadRequestUnits ?? meta.MaxReadRequestUnits;
                meta.MaxWriteRequestUnits = odt.MaxWriteRequestUnits ?? meta.MaxWriteRequestUnits;
            }
            await SaveTableAsync(context, meta, cancellationToken).ConfigureAwait(false);
            return new UpdateTableOutput { TableDescription = await DescribeAsync(meta, cancellationToken).ConfigureAwait(false) };
        }
        finally
        {
            _tableLock.Release();
        }
    }

    private async ValueTask BackfillAsync(TableMeta meta, IndexMeta index, CancellationToken ct)
    {
        var batch = new WriteBatch();
        var n = 0;
        await foreach (var kv in _state.ScanAsync(ItemsTable(meta), ScanRange.All, ct).ConfigureAwait(false))
        {
            var item = Values.Decode(kv.Value);
            if (IndexEntry(meta, index, item, kv.Key) is { } entry)
            {
                batch.Put(IndexTable(meta, index), entry.Key, Values.Encode(entry.Item));
                if (++n % 1000 == 0)
                {
                    await _state.CommitAsync(batch, ct).ConfigureAwait(false);
                    batch = new WriteBatch();
                }
            }
        }
        await _state.CommitAsync(batch, ct).ConfigureAwait(false);
    }

    // ================= TTL, tags, limits, endpoints =================

    public override async ValueTask<DescribeTimeToLiveOutput> DescribeTimeToLiveAsync(RequestContext context, DescribeTimeToLiveInput request, CancellationToken cancellationToken)
    {
        var meta = await TableForControlAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
        var d = new TimeToLiveDescription { TimeToLiveStatus = meta.TtlEnabled ? "ENABLED" : "DISABLED" };
        if (meta.TtlEnabled) d.AttributeName = meta.TtlAttribute;
        return new DescribeTimeToLiveOutput { TimeToLiveDescription = d };
    }

    public override async ValueTask<UpdateTimeToLiveOutput> UpdateTimeToLiveAsync(RequestContext context, UpdateTimeToLiveInput request, CancellationToken cancellationToken)
    {
        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await TableForControlAsync(context, request.TableName, cancellationToken).ConfigureAwait(false);
            var spec = request.TimeToLiveSpecification!;
            if (spec.Enabled == true)
            {
                if (meta.TtlEnabled)
                {
                    throw DdbErrors.Validation("TimeToLive is already enabled");
                }
                meta.TtlEnabled = true;
                meta.TtlAttribute = spec.AttributeName;
            }
            else
            {
                if (!meta.TtlEnabled)
                {
                    throw DdbErrors.Validation("TimeToLive is already disabled");
                }
                if (meta.TtlAttribute != spec.AttributeName)
                {
                    throw DdbErrors.Validation("Attribute name does not match the TTL attribute name enabled on the table");
                }
                meta.TtlEnabled = false;
            }
            await SaveTableAsync(context, meta, cancellationToken).ConfigureAwait(false);
            return new UpdateTimeToLiveOutput { TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = spec.AttributeName, Enabled = spec.Enabled } };
        }
        finally
        {
            _tableLock.Release();
        }
    }

    private async ValueTask<TableMeta> TableForArnAsync(RequestContext context, string? arn, CancellationToken ct)
    {
        var prefix = $"arn:aws:dynamodb:{context.Region}:{context.AccountId}:table/";
        if (arn is null || !arn.StartsWith("arn:", StringComparison.Ordinal))
        {
            throw DdbErrors.Validation($"Invalid TableArn: Invalid ResourceArn provided as input {arn}");
        }
        if (!arn.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new AccessDeniedLike($"Requested resource not found: ResourcArn: {arn} not found");
        }
        var name = arn[prefix.Length..];
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) name = name[..slash];
        return await FindTableAsync(context, name, ct).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException($"Requested resource not found: ResourcArn: {arn} not found");
    }

    private sealed class AccessDeniedLike(string message) : AwsServiceException("ResourceNotFoundException", message, 400);

    public override async ValueTask<Empty> TagResourceAsync(RequestContext context, TagResourceInput request, CancellationToken cancellationToken)
    {
        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await TableForArnAsync(context, request.ResourceArn, cancellationToken).ConfigureAwait(false);
            foreach (var tag in request.Tags ?? [])
            {
                meta.Tags.RemoveAll(t => t.Key == tag.Key);
                meta.Tags.Add(new TagDef { Key = tag.Key!, Value = tag.Value! });
            }
            if (meta.Tags.Count > 50)
            {
                throw new LimitExceededException("The number of tags exceeds the limit of 50");
            }
            await SaveTableAsync(context, meta, cancellationToken).ConfigureAwait(false);
            return new Empty();
        }
        finally
        {
            _tableLock.Release();
        }
    }

    public override async ValueTask<Empty> UntagResourceAsync(RequestContext context, UntagResourceInput request, CancellationToken cancellationToken)
    {
        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var meta = await TableForArnAsync(context, request.ResourceArn, cancellationToken).ConfigureAwait(false);
            var keys = request.TagKeys ?? [];
            meta.Tags.RemoveAll(t => keys.Contains(t.Key));
            await SaveTableAsync(context, meta, cancellationToken).ConfigureAwait(false);
            return new Empty();
        }
        finally
        {
            _tableLock.Release();
        }
    }

    public override async ValueTask<ListTagsOfResourceOutput> ListTagsOfResourceAsync(RequestContext context, ListTagsOfResourceInput request, CancellationToken cancellationToken)
    {
        var meta = await TableForArnAsync(context, request.ResourceArn, cancellationToken).ConfigureAwait(false);
        return new ListTagsOfResourceOutput { Tags = meta.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList() };
    }

    public override ValueTask<DescribeLimitsOutput> DescribeLimitsAsync(RequestContext context, DescribeLimitsInput request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new DescribeLimitsOutput
        {
            AccountMaxReadCapacityUnits = 80000,
            AccountMaxWriteCapacityUnits = 80000,
            TableMaxReadCapacityUnits = 40000,
            TableMaxWriteCapacityUnits = 40000,
        });

    public override ValueTask<DescribeEndpointsResponse> DescribeEndpointsAsync(RequestContext context, DescribeEndpointsRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new DescribeEndpointsResponse
        {
            Endpoints = [new Endpoint { Address = new Uri(context.BaseUrl).Authority, CachePeriodInMinutes = 1440 }],
        });
}
