using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gureum.Api.Sqs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sqs;

/// <summary>
/// Amazon SQS: standard and FIFO queues, visibility, delays, retention, long polling, dead-letter queues.
/// Queues and messages live in the state store (acknowledged writes are committed before the answer);
/// an in-memory index per queue, rebuilt at start-up, makes receives read only due messages.
/// </summary>
#pragma warning disable CA1001 // the provider lives as long as the process; its semaphore never needs disposing
public sealed partial class SqsProvider : SqsServiceBase, IResettable
#pragma warning restore CA1001
{
    private readonly IStateStore _state;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, QueueRuntime> _queues = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deletedAt = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _queueLock = new(1, 1);
    private readonly Lazy<Task> _loaded;

    private static readonly string[] SettableAttributes =
    [
        "DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "Policy", "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    ];

    private static readonly HashSet<string> KnownAttributes = new(SettableAttributes.Concat(
    [
        "QueueArn", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "LastModifiedTimestamp",
    ]), StringComparer.Ordinal);

    private static readonly string[] FifoOnly = ["FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

    public SqsProvider(IStateStore state, IBlobStore blobs, TimeProvider clock)
    {
        _ = blobs; // message bodies (≤ 1 MiB) are stored with their metadata
        _state = state;
        _clock = clock;
        _loaded = new Lazy<Task>(LoadAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Starts a commit (callers do this under the queue gate, so a queue's writes reach the store in order).</summary>
    private Task Commit(WriteBatch batch) =>
        batch.Operations.Count > 0 ? _state.CommitAsync(batch, CancellationToken.None).AsTask() : Task.CompletedTask;

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    // ---------------------------------------------------------------- start-up

    /// <summary>After the store was emptied by a reset, the in-memory queue index is dropped too.</summary>
    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        await _queueLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _queues.Clear();
            _deletedAt.Clear();
        }
        finally
        {
            _queueLock.Release();
        }
    }

    private async Task LoadAsync()
    {
        await foreach (var (_, value) in _state.ScanAsync(SqsKeys.Queues, ScanRange.All))
        {
            var record = JsonSerializer.Deserialize(value, SqsJson.Default.QueueRecord)!;
            _queues[record.Key] = new QueueRuntime(record);
        }
        await foreach (var (key, value) in _state.ScanAsync(SqsKeys.Messages, ScanRange.All))
        {
            var message = JsonSerializer.Deserialize(value, SqsJson.Default.MessageRecord)!;
            if (_queues.TryGetValue(key[..key.LastIndexOf('/')], out var queue))
            {
                queue.Add(message);
            }
        }
        var now = NowMs;
        await foreach (var (key, value) in _state.ScanAsync(SqsKeys.Dedup, ScanRange.All))
        {
            var dedup = JsonSerializer.Deserialize(value, SqsJson.Default.DedupRecord)!;
            foreach (var queue in _queues.Values)
            {
                var prefix = queue.Record.Key + "/";
                if (key.StartsWith(prefix, StringComparison.Ordinal) && dedup.ExpiresMs > now)
                {
                    queue.Dedup[key[prefix.Length..]] = dedup;
                }
            }
        }
    }

    private Task EnsureLoadedAsync() => _loaded.Value;

    // ---------------------------------------------------------------- addressing

    private static string QueueUrl(RequestContext context, QueueRecord q) => $"{context.BaseUrl}/{q.Account}/{q.Name}";

    /// <summary>Finds the queue a QueueUrl names, in any form SDKs build (path-style, sqs.region.host, legacy hosts).</summary>
    private QueueRuntime Resolve(RequestContext context, string? queueUrl)
    {
        if (string.IsNullOrEmpty(queueUrl))
        {
            throw SqsErrors.MissingParameter("QueueUrl");
        }
        string path;
        if (queueUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || queueUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(queueUrl, UriKind.Absolute, out var uri))
            {
                throw SqsErrors.InvalidAddress(queueUrl);
            }
            path = Uri.UnescapeDataString(uri.AbsolutePath);
        }
        else
        {
            path = queueUrl;
        }
        var parts = path.Trim('/').Split('/');
        string account, name;
        if (parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
        {
            (account, name) = (parts[0], parts[1]);
        }
        else if (parts.Length == 1 && parts[0].Length > 0 && !path.StartsWith('/'))
        {
            (account, name) = (context.AccountId, parts[0]);
        }
        else
        {
            throw SqsErrors.InvalidAddress(queueUrl);
        }
        if (account == "queue")
        {
            account = context.AccountId; // LocalStack-style http://host/queue/<name>
        }
        return _queues.TryGetValue(SqsKeys.Queue(account, context.Region, name), out var queue) && !queue.Deleted
            ? queue
            : throw SqsErrors.NoQueue();
    }

    private QueueRuntime? FindByArn(string arn)
    {
        var parts = arn.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sqs")
        {
            return null;
        }
        return _queues.TryGetValue(SqsKeys.Queue(parts[4], parts[3], parts[5]), out var q) && !q.Deleted ? q : null;
    }

    // ---------------------------------------------------------------- queues

    public override async ValueTask<CreateQueueResult> CreateQueueAsync(RequestContext context, CreateQueueRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var name = request.QueueName ?? "";
        var given = request.Attributes ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var fifoRequested = given.TryGetValue("FifoQueue", out var fifoValue) && string.Equals(fifoValue, "true", StringComparison.OrdinalIgnoreCase);
        ValidateName(name, fifoRequested);
        var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        var now = NowMs;

        var normalized = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (attribute, value) in given)
        {
            var v = NormalizeAttribute(context, attribute, value, fifo, name, creating: true);
            if (v is not null)
            {
                normalized[attribute] = v;
            }
        }
        if (request.Tags is { Count: > 50 })
        {
            throw SqsErrors.InvalidParameterValue("Too many tags added for queue " + name + ".");
        }

        var key = SqsKeys.Queue(context.AccountId, context.Region, name);
        await _queueLock.WaitAsync(cancellationToken);
        try
        {
            if (_queues.TryGetValue(key, out var existing) && !existing.Deleted)
            {
                var current = existing.Record;
                foreach (var (attribute, value) in normalized)
                {
                    if (!current.Attributes.TryGetValue(attribute, out var have) || have != value)
                    {
                        throw new QueueNameExistsException($"A queue already exists with the same name and a different value for attribute {attribute}");
                    }
                }
                return new CreateQueueResult { QueueUrl = QueueUrl(context, current) };
            }
            if (_deletedAt.TryGetValue(key, out var deletedMs) && now - deletedMs < 60_000)
            {
                throw new QueueDeletedRecentlyException("You must wait 60 seconds after deleting a queue before you can create another with the same name.");
            }
            var attributes = Defaults(fifo);
            foreach (var (attribute, value) in normalized)
            {
                attributes[attribute] = value;
            }
            var record = new QueueRecord
            {
                Account = context.AccountId,
                Region = context.Region,
                Name = name,
                Attributes = attributes,
                Tags = request.Tags is null ? new(StringComparer.Ordinal) : new(request.Tags, StringComparer.Ordinal),
                CreatedMs = now,
                ModifiedMs = now,
            };
            await _state.CommitAsync(new WriteBatch().Put(SqsKeys.Queues, key, SqsJson.Bytes(record)), CancellationToken.None);
            _queues[key] = new QueueRuntime(record) { NextSeq = Math.Max(1, now * 1000) };
            _deletedAt.TryRemove(key, out _);
            return new CreateQueueResult { QueueUrl = QueueUrl(context, record) };
        }
        finally
        {
            _queueLock.Release();
        }
    }

    private static void ValidateName(string name, bool fifoRequested)
    {
        var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        var stem = fifo ? name[..^5] : name;
        var valid = name.Length is >= 1 and <= 80 && stem.Length > 0 && stem.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        if (fifoRequested && (!fifo || !valid))
        {
            throw SqsErrors.InvalidParameterValue(SqsErrors.FifoNameRule);
        }
        if (!valid || (fifo && !fifoRequested))
        {
            throw SqsErrors.InvalidParameterValue(SqsErrors.NameRule);
        }
    }

    private static Dictionary<string, string> Defaults(bool fifo)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["VisibilityTimeout"] = "30",
            ["MaximumMessageSize"] = "1048576",
            ["MessageRetentionPeriod"] = "345600",
            ["DelaySeconds"] = "0",
            ["ReceiveMessageWaitTimeSeconds"] = "0",
            ["SqsManagedSseEnabled"] = "true",
        };
        if (fifo)
        {
            attributes["FifoQueue"] = "true";
            attributes["ContentBasedDeduplication"] = "false";
            attributes["DeduplicationScope"] = "queue";
            attributes["FifoThroughputLimit"] = "perQueue";
        }
        return attributes;
    }

    /// <summary>Validates one settable attribute and returns the value as GetQueueAttributes reports it ("" clears).</summary>
    private string? NormalizeAttribute(RequestContext context, string name, string value, bool fifo, string queueName, bool creating)
    {
        if (!SettableAttributes.Contains(name, StringComparer.Ordinal))
        {
            throw SqsErrors.UnknownAttribute(name);
        }
        if (!fifo && FifoOnly.Contains(name, StringComparer.Ordinal))
        {
            if (name == "FifoQueue" && string.Equals(value, "false", StringComparison.OrdinalIgnoreCase) && creating)
            {
                return null;
            }
            throw SqsErrors.UnknownAttribute(name);
        }
        switch (name)
        {
            case "DelaySeconds": return Int(name, value, 0, 900);
            case "MaximumMessageSize": return Int(name, value, 1024, 1_048_576);
            case "MessageRetentionPeriod": return Int(name, value, 60, 1_209_600);
            case "ReceiveMessageWaitTimeSeconds": return Int(name, value, 0, 20);
            case "VisibilityTimeout": return Int(name, value, 0, 43_200);
            case "KmsDataKeyReusePeriodSeconds": return Int(name, value, 60, 86_400);
            case "SqsManagedSseEnabled":
            case "ContentBasedDeduplication":
            case "FifoQueue":
                return value.ToLowerInvariant() is "true" or "false" ? value.ToLowerInvariant() : throw SqsErrors.BadAttributeValue(name);
            case "DeduplicationScope":
                return value is "messageGroup" or "queue" ? value : throw SqsErrors.BadAttributeValue(name);
            case "FifoThroughputLimit":
                return value is "perQueue" or "perMessageGroupId" ? value : throw SqsErrors.BadAttributeValue(name);
            case "KmsMasterKeyId":
                return value;
            case "Policy":
                if (value.Length == 0)
                {
                    return "";
                }
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    return doc.RootElement.ValueKind == JsonValueKind.Object ? value : throw SqsErrors.BadAttributeValue(name);
                }
                catch (JsonException)
                {
                    throw SqsErrors.BadAttributeValue(name);
                }
            case "RedrivePolicy":
                return value.Length == 0 ? "" : NormalizeRedrivePolicy(context, value, fifo, queueName);
            case "RedriveAllowPolicy":
                return value.Length == 0 ? "" : NormalizeRedriveAllowPolicy(value);
            default:
                throw SqsErrors.UnknownAttribute(name);
        }
    }

    private static string Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n.ToString(CultureInfo.InvariantCulture)
            : throw SqsErrors.BadAttributeValue(name);

    private string NormalizeRedrivePolicy(RequestContext context, string value, bool fifo, string queueName)
    {
        string? target = null;
        int? maxReceive = null;
        try
        {
            using var doc = JsonDocument.Parse(value);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
            }
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "deadLetterTargetArn" when p.Value.ValueKind == JsonValueKind.String:
                        target = p.Value.GetString();
                        break;
                    case "maxReceiveCount" when p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var n):
                        maxReceive = n;
                        break;
                    case "maxReceiveCount" when p.Value.ValueKind == JsonValueKind.String
                        && int.TryParse(p.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s):
                        maxReceive = s;
                        break;
                    default:
                        throw SqsErrors.InvalidParameter("RedrivePolicy", value, $"Only following attributes are supported:[deadLetterTargetArn, maxReceiveCount].");
                }
            }
        }
        catch (JsonException)
        {
            throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
        }
        if (target is null || maxReceive is null)
        {
            throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Redrive policy must contain both deadLetterTargetArn and maxReceiveCount.");
        }
        if (maxReceive is < 1 or > 1000)
        {
            throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Invalid value for maxReceiveCount: " + maxReceive.Value.ToString(CultureInfo.InvariantCulture) + ", valid values are from 1 to 1000 both inclusive.");
        }
        var dlq = FindByArn(target) ?? throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Dead letter target does not exist.");
        if (dlq.IsFifo != fifo)
        {
            throw SqsErrors.InvalidParameter("RedrivePolicy", value, "Dead-letter queue must be same type of queue as the source.");
        }
        var sourceArn = $"arn:aws:sqs:{context.Region}:{context.AccountId}:{queueName}";
        if (dlq.Record.Attributes.TryGetValue("RedriveAllowPolicy", out var allow) && !RedriveAllowed(allow, sourceArn))
        {
            throw SqsErrors.InvalidParameter("RedrivePolicy", value, $"Queue {target} does not allow this queue to use it as a dead-letter queue.");
        }
        return $"{{\"deadLetterTargetArn\":\"{target}\",\"maxReceiveCount\":{maxReceive.Value.ToString(CultureInfo.InvariantCulture)}}}";
    }

    private static bool RedriveAllowed(string allowPolicy, string sourceArn)
    {
        try
        {
            using var doc = JsonDocument.Parse(allowPolicy);
            var permission = doc.RootElement.TryGetProperty("redrivePermission", out var p) ? p.GetString() : "allowAll";
            return permission switch
            {
                "denyAll" => false,
                "byQueue" => doc.RootElement.TryGetProperty("sourceQueueArns", out var arns)
                    && arns.EnumerateArray().Any(a => a.GetString() == sourceArn),
                _ => true,
            };
        }
        catch (JsonException)
        {
            return true;
        }
    }

    private static string NormalizeRedriveAllowPolicy(string value)
    {
        const string name = "RedriveAllowPolicy";
        try
        {
            using var doc = JsonDocument.Parse(value);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("redrivePermission", out var permission)
                || permission.GetString() is not ("allowAll" or "denyAll" or "byQueue"))
            {
                throw SqsErrors.InvalidParameter(name, value, "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
            }
            var hasArns = root.TryGetProperty("sourceQueueArns", out var arns);
            if (permission.GetString() == "byQueue")
            {
                if (!hasArns || arns.ValueKind != JsonValueKind.Array || arns.GetArrayLength() is < 1 or > 10)
                {
                    throw SqsErrors.InvalidParameter(name, value, "You must specify between 1 and 10 source queue ARNs when redrivePermission is byQueue.");
                }
            }
            else if (hasArns)
            {
                throw SqsErrors.InvalidParameter(name, value, "Only specify sourceQueueArns when redrivePermission is byQueue.");
            }
            return value;
        }
        catch (JsonException)
        {
            throw SqsErrors.InvalidParameter(name, value, "Amazon SQS can't create the redrive allow policy, as it’s in an unsupported format.");
        }
    }

    public override async ValueTask<GetQueueUrlResult> GetQueueUrlAsync(RequestContext context, GetQueueUrlRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var account = string.IsNullOrEmpty(request.QueueOwnerAWSAccountId) ? context.AccountId : request.QueueOwnerAWSAccountId;
        return _queues.TryGetValue(SqsKeys.Queue(account, context.Region, request.QueueName ?? ""), out var q) && !q.Deleted
            ? new GetQueueUrlResult { QueueUrl = QueueUrl(context, q.Record) }
            : throw SqsErrors.NoQueue();
    }

    public override async ValueTask<ListQueuesResult> ListQueuesAsync(RequestContext context, ListQueuesRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        if (request.MaxResults is { } max && max is < 1 or > 1000)
        {
            throw SqsErrors.InvalidParameter("MaxResults", max, "MaxResults must be an integer between 1 and 1000.");
        }
        if (request.NextToken is not null && request.MaxResults is null)
        {
            throw SqsErrors.InvalidParameter("NextToken", request.NextToken, "MaxResults is required when NextToken is specified.");
        }
        var after = DecodeToken(request.NextToken);
        var names = Scoped(context)
            .Where(q => q.Name.StartsWith(request.QueueNamePrefix ?? "", StringComparison.Ordinal))
            .Where(q => after is null || string.CompareOrdinal(q.Name, after) > 0)
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .ToList();
        var limit = request.MaxResults ?? 1000;
        var page = names.Take(limit).ToList();
        return new ListQueuesResult
        {
            QueueUrls = page.Count == 0 ? null : page.Select(q => QueueUrl(context, q)).ToList(),
            NextToken = request.MaxResults is not null && names.Count > limit ? EncodeToken(page[^1].Name) : null,
        };
    }

    private IEnumerable<QueueRecord> Scoped(RequestContext context) =>
        _queues.Values.Where(q => !q.Deleted).Select(q => q.Record)
            .Where(q => q.Account == context.AccountId && q.Region == context.Region);

    private static string EncodeToken(string name) => Convert.ToBase64String(Encoding.UTF8.GetBytes("{\"after\":\"" + name + "\"}"));

    private static string? DecodeToken(string? token)
    {
        if (token is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(Convert.FromBase64String(token));
            return doc.RootElement.GetProperty("after").GetString();
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw SqsErrors.InvalidParameterValue("Invalid NextToken value.");
        }
    }

    public override async ValueTask<GetQueueAttributesResult> GetQueueAttributesAsync(RequestContext context, GetQueueAttributesRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var names = request.AttributeNames ?? [];
        foreach (var n in names)
        {
            if (n != "All" && !KnownAttributes.Contains(n))
            {
                throw SqsErrors.UnknownAttribute(n);
            }
        }
        var all = names.Contains("All");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return new GetQueueAttributesResult();
        }
        var record = q.Record;
        long visible = 0, notVisible = 0, delayed = 0;
        var batch = new WriteBatch();
        Task commit;
        lock (q.Gate)
        {
            var now = NowMs;
            Expire(q, now, batch);
            foreach (var m in q.Messages.Values)
            {
                if (m.VisibleAtMs <= now) visible++;
                else if (m.ReceiveCount > 0) notVisible++;
                else delayed++;
            }
            commit = Commit(batch);
        }
        await commit;
        void Add(string name, string value)
        {
            if (all || names.Contains(name))
            {
                result[name] = value;
            }
        }
        Add("QueueArn", record.Arn);
        Add("ApproximateNumberOfMessages", visible.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateNumberOfMessagesNotVisible", notVisible.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateNumberOfMessagesDelayed", delayed.ToString(CultureInfo.InvariantCulture));
        Add("CreatedTimestamp", (record.CreatedMs / 1000).ToString(CultureInfo.InvariantCulture));
        Add("LastModifiedTimestamp", (record.ModifiedMs / 1000).ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in record.Attributes)
        {
            if (value.Length > 0)
            {
                Add(name, value);
            }
        }
        return new GetQueueAttributesResult { Attributes = result.Count == 0 ? null : result };
    }

    public override async ValueTask<Empty> SetQueueAttributesAsync(RequestContext context, SetQueueAttributesRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var record = q.Record;
        var normalized = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Attributes ?? [])
        {
            var v = NormalizeAttribute(context, name, value, record.IsFifo, record.Name, creating: false);
            if (name == "FifoQueue" && v != "true")
            {
                throw SqsErrors.BadAttributeValue(name);
            }
            if (v is not null)
            {
                normalized[name] = v;
            }
        }
        await UpdateRecordAsync(q, r =>
        {
            foreach (var (name, value) in normalized)
            {
                if (value.Length == 0)
                {
                    r.Attributes.Remove(name);
                }
                else
                {
                    r.Attributes[name] = value;
                }
            }
            r.ModifiedMs = NowMs;
        });
        return Empty.Instance;
    }

    /// <summary>Copy-on-write update of a queue's record, committed before returning.</summary>
    private async Task UpdateRecordAsync(QueueRuntime q, Action<QueueRecord> change)
    {
        Task commit;
        lock (q.Gate)
        {
            if (q.Deleted)
            {
                throw SqsErrors.NoQueue();
            }
            var current = q.Record;
            var copy = new QueueRecord
            {
                Account = current.Account,
                Region = current.Region,
                Name = current.Name,
                Attributes = new Dictionary<string, string>(current.Attributes, StringComparer.Ordinal),
                Tags = new Dictionary<string, string>(current.Tags, StringComparer.Ordinal),
                CreatedMs = current.CreatedMs,
                ModifiedMs = current.ModifiedMs,
            };
            change(copy);
            q.Record = copy;
            commit = Commit(new WriteBatch().Put(SqsKeys.Queues, copy.Key, SqsJson.Bytes(copy)));
        }
        await commit;
    }

    public override async ValueTask<Empty> DeleteQueueAsync(RequestContext context, DeleteQueueRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        await _queueLock.WaitAsync(cancellationToken);
        try
        {
            var q = Resolve(context, request.QueueUrl);
            var batch = new WriteBatch();
            Task commit;
            lock (q.Gate)
            {
                q.Deleted = true;
                var key = q.Record.Key;
                batch.Delete(SqsKeys.Queues, key);
                foreach (var m in q.Messages.Values)
                {
                    batch.Delete(SqsKeys.Messages, SqsKeys.Message(key, m.Seq));
                }
                foreach (var id in q.Dedup.Keys)
                {
                    batch.Delete(SqsKeys.Dedup, SqsKeys.DedupKey(key, id));
                }
                q.Clear();
                q.Signal();
                commit = Commit(batch);
            }
            await commit;
            _queues.TryRemove(q.Record.Key, out _);
            _deletedAt[q.Record.Key] = NowMs;
            return Empty.Instance;
        }
        finally
        {
            _queueLock.Release();
        }
    }

    public override async ValueTask<Empty> PurgeQueueAsync(RequestContext context, PurgeQueueRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        Task commit;
        lock (q.Gate)
        {
            var now = NowMs;
            if (q.LastPurgeMs != long.MinValue && now - q.LastPurgeMs < 60_000)
            {
                throw new PurgeQueueInProgressException($"Only one PurgeQueue operation on {q.Record.Name} is allowed every 60 seconds.");
            }
            q.LastPurgeMs = now;
            var batch = new WriteBatch();
            foreach (var m in q.Messages.Values)
            {
                batch.Delete(SqsKeys.Messages, SqsKeys.Message(q.Record.Key, m.Seq));
            }
            q.Clear();
            commit = Commit(batch);
        }
        await commit;
        return Empty.Instance;
    }

    // ---------------------------------------------------------------- tags

    public override async ValueTask<Empty> TagQueueAsync(RequestContext context, TagQueueRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var tags = request.Tags ?? [];
        if (tags.Count == 0)
        {
            throw SqsErrors.MissingParameter("Tags");
        }
        var merged = new HashSet<string>(q.Record.Tags.Keys.Concat(tags.Keys), StringComparer.Ordinal);
        if (merged.Count > 50)
        {
            throw SqsErrors.InvalidParameterValue($"Too many tags added for queue {q.Record.Name}.");
        }
        await UpdateRecordAsync(q, r =>
        {
            foreach (var (k, v) in tags)
            {
                r.Tags[k] = v;
            }
        });
        return Empty.Instance;
    }

    public override async ValueTask<Empty> UntagQueueAsync(RequestContext context, UntagQueueRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var keys = request.TagKeys ?? [];
        if (keys.Count == 0)
        {
            throw SqsErrors.MissingParameter("TagKeys");
        }
        await UpdateRecordAsync(q, r =>
        {
            foreach (var k in keys)
            {
                r.Tags.Remove(k);
            }
        });
        return Empty.Instance;
    }

    public override async ValueTask<ListQueueTagsResult> ListQueueTagsAsync(RequestContext context, ListQueueTagsRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var tags = q.Record.Tags;
        return new ListQueueTagsResult { Tags = tags.Count == 0 ? null : new Dictionary<string, string>(tags, StringComparer.Ordinal) };
    }

    // ---------------------------------------------------------------- dead-letter queues

    public override async ValueTask<ListDeadLetterSourceQueuesResult> ListDeadLetterSourceQueuesAsync(RequestContext context, ListDeadLetterSourceQueuesRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var dlq = Resolve(context, request.QueueUrl);
        if (request.MaxResults is { } max && max is < 1 or > 1000)
        {
            throw SqsErrors.InvalidParameter("MaxResults", max, "MaxResults must be an integer between 1 and 1000.");
        }
        var after = DecodeToken(request.NextToken);
        var arn = dlq.Record.Arn;
        var sources = Scoped(context)
            .Where(q => q.Attributes.TryGetValue("RedrivePolicy", out var p) && DeadLetterTarget(p) == arn)
            .Where(q => after is null || string.CompareOrdinal(q.Name, after) > 0)
            .OrderBy(q => q.Name, StringComparer.Ordinal)
            .ToList();
        var limit = request.MaxResults ?? 1000;
        var page = sources.Take(limit).ToList();
        return new ListDeadLetterSourceQueuesResult
        {
            QueueUrls = page.Select(q => QueueUrl(context, q)).ToList(),
            NextToken = request.MaxResults is not null && sources.Count > limit ? EncodeToken(page[^1].Name) : null,
        };
    }

    private static string? DeadLetterTarget(string redrivePolicy)
    {
        using var doc = JsonDocument.Parse(redrivePolicy);
        return doc.RootElement.GetProperty("deadLetterTargetArn").GetString();
    }

    private static (string Arn, int MaxReceiveCount)? RedrivePolicyOf(QueueRecord record)
    {
        if (!record.Attributes.TryGetValue("RedrivePolicy", out var policy) || policy.Length == 0)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(policy);
        return (doc.RootElement.GetProperty("deadLetterTargetArn").GetString()!, doc.RootElement.GetProperty("maxReceiveCount").GetInt32());
    }
}
