using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gureum.Api.Sqs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sqs;

public sealed partial class SqsProvider
{
    private const long DedupWindowMs = 5 * 60 * 1000;
    private const int MaxVisibility = 43_200;

    // ---------------------------------------------------------------- send

    /// <summary>A send entry after validation, before it is assigned a sequence number.</summary>
    private sealed record Outgoing(string? EntryId, string Body, Dictionary<string, AttributeRecord>? Attributes, string? TraceHeader,
        int DelaySeconds, string? GroupId, string? DedupId);

    public override async ValueTask<SendMessageResult> SendMessageAsync(RequestContext context, SendMessageRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var outgoing = Validate(q.Record, null, request.MessageBody, request.DelaySeconds, request.MessageAttributes,
            request.MessageSystemAttributes, request.MessageGroupId, request.MessageDeduplicationId);
        var (results, commit) = Enqueue(context, q, [outgoing]);
        await commit;
        var m = results[0];
        return new SendMessageResult
        {
            MessageId = m.Id,
            MD5OfMessageBody = m.Md5Body,
            MD5OfMessageAttributes = m.Md5Attributes,
            MD5OfMessageSystemAttributes = m.Md5System,
            SequenceNumber = m.SequenceNumber,
        };
    }

    public override async ValueTask<SendMessageBatchResult> SendMessageBatchAsync(RequestContext context, SendMessageBatchRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var entries = request.Entries ?? [];
        CheckBatch(entries.Select(e => e.Id), "SendMessageBatchRequestEntry");
        var total = entries.Sum(e => Encoding.UTF8.GetByteCount(e.MessageBody ?? "") + AttributesSize(e.MessageAttributes));
        if (total > 1_048_576)
        {
            throw new BatchRequestTooLongException($"Batch requests cannot be longer than 1048576 bytes. You have sent {total} bytes.");
        }
        var failed = new List<BatchResultErrorEntry>();
        var accepted = new List<Outgoing>();
        foreach (var e in entries)
        {
            try
            {
                accepted.Add(Validate(q.Record, e.Id, e.MessageBody, e.DelaySeconds, e.MessageAttributes, e.MessageSystemAttributes,
                    e.MessageGroupId, e.MessageDeduplicationId));
            }
            catch (AwsServiceException error)
            {
                failed.Add(new BatchResultErrorEntry { Id = e.Id, Code = error.Code, Message = error.Message, SenderFault = error.SenderFault });
            }
        }
        var successful = new List<SendMessageBatchResultEntry>();
        if (accepted.Count > 0)
        {
            var (results, commit) = Enqueue(context, q, accepted);
            await commit;
            for (var i = 0; i < results.Count; i++)
            {
                var m = results[i];
                successful.Add(new SendMessageBatchResultEntry
                {
                    Id = accepted[i].EntryId,
                    MessageId = m.Id,
                    MD5OfMessageBody = m.Md5Body,
                    MD5OfMessageAttributes = m.Md5Attributes,
                    MD5OfMessageSystemAttributes = m.Md5System,
                    SequenceNumber = m.SequenceNumber,
                });
            }
        }
        return new SendMessageBatchResult { Successful = successful, Failed = failed };
    }

    private static void CheckBatch(IEnumerable<string?> ids, string entryName)
    {
        var list = ids.ToList();
        if (list.Count == 0)
        {
            throw new EmptyBatchRequestException($"There should be at least one {entryName} in the request.");
        }
        if (list.Count > 10)
        {
            throw new TooManyEntriesInBatchRequestException($"Maximum number of entries per request are 10. You have sent {list.Count}.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in list)
        {
            if (string.IsNullOrEmpty(id) || id.Length > 80 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new InvalidBatchEntryIdException("A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.");
            }
            if (!seen.Add(id))
            {
                throw new BatchEntryIdsNotDistinctException($"Id {id} repeated.");
            }
        }
    }

    private static int AttributesSize(Dictionary<string, MessageAttributeValue>? attributes) =>
        attributes?.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + Encoding.UTF8.GetByteCount(a.Value.DataType ?? "")
            + (a.Value.BinaryValue?.Length ?? Encoding.UTF8.GetByteCount(a.Value.StringValue ?? ""))) ?? 0;

    private static Outgoing Validate(QueueRecord queue, string? entryId, string? body, int? delay,
        Dictionary<string, MessageAttributeValue>? attributes, Dictionary<string, MessageSystemAttributeValue>? systemAttributes,
        string? groupId, string? dedupId)
    {
        if (string.IsNullOrEmpty(body))
        {
            throw SqsErrors.MissingParameter("MessageBody");
        }
        foreach (var rune in body.EnumerateRunes())
        {
            var c = rune.Value;
            if (!(c is 0x9 or 0xA or 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000))
            {
                throw new InvalidMessageContentsException(
                    $"Invalid binary character '#x{c:X}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
            }
        }
        var maxSize = queue.IntAttribute("MaximumMessageSize");
        var size = Encoding.UTF8.GetByteCount(body) + AttributesSize(attributes);
        if (size > maxSize)
        {
            throw SqsErrors.InvalidParameterValue($"One or more parameters are invalid. Reason: Message must be shorter than {maxSize} bytes.");
        }
        if (delay is { } d && d is < 0 or > 900)
        {
            throw SqsErrors.InvalidParameter("DelaySeconds", d, "DelaySeconds must be >= 0 and <= 900.");
        }
        if (queue.IsFifo)
        {
            if (delay is > 0)
            {
                throw SqsErrors.InvalidParameter("DelaySeconds", delay.Value, "The request include parameter that is not valid for this queue type.");
            }
            if (string.IsNullOrEmpty(groupId))
            {
                throw SqsErrors.MissingParameter("MessageGroupId");
            }
            if (string.IsNullOrEmpty(dedupId))
            {
                if (queue.Attributes.GetValueOrDefault("ContentBasedDeduplication") != "true")
                {
                    throw SqsErrors.InvalidParameterValue("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
                }
                dedupId = Md5.Sha256(body);
            }
            CheckToken("MessageDeduplicationId", dedupId);
        }
        else if (dedupId is not null)
        {
            throw SqsErrors.InvalidParameter("MessageDeduplicationId", dedupId, "The request include parameter that is not valid for this queue type");
        }
        if (groupId is not null)
        {
            CheckToken("MessageGroupId", groupId);
        }
        Dictionary<string, AttributeRecord>? records = null;
        if (attributes is { Count: > 0 })
        {
            if (attributes.Count > 10)
            {
                throw SqsErrors.InvalidParameterValue($"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [10].");
            }
            records = new Dictionary<string, AttributeRecord>(StringComparer.Ordinal);
            foreach (var (name, value) in attributes)
            {
                records[name] = ValidateAttribute(name, value.DataType, value.StringValue, value.BinaryValue);
            }
        }
        string? trace = null;
        if (systemAttributes is { Count: > 0 })
        {
            foreach (var (name, value) in systemAttributes)
            {
                if (name != "AWSTraceHeader")
                {
                    throw SqsErrors.InvalidParameterValue($"Message system attribute name '{name}' is invalid.");
                }
                if (value.DataType != "String" || string.IsNullOrEmpty(value.StringValue))
                {
                    throw SqsErrors.InvalidParameterValue("The message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
                }
                trace = value.StringValue;
            }
        }
        return new Outgoing(entryId, body, records, trace, delay ?? queue.IntAttribute("DelaySeconds"), groupId, dedupId);
    }

    private static void CheckToken(string name, string value)
    {
        if (value.Length > 128 || !value.All(c => c >= 0x21 && c <= 0x7E))
        {
            throw SqsErrors.InvalidParameter(name, value, $"{name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    private static AttributeRecord ValidateAttribute(string name, string? dataType, string? stringValue, byte[]? binaryValue)
    {
        if (name.Length is 0 or > 256 || name.StartsWith("AWS.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Amazon.", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith('.') || name.EndsWith('.') || name.Contains("..", StringComparison.Ordinal)
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw SqsErrors.InvalidParameterValue($"Message attribute name '{name}' is invalid.");
        }
        if (string.IsNullOrEmpty(dataType))
        {
            throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' must contain non-empty message attribute type.");
        }
        var baseType = dataType.Split('.')[0];
        switch (baseType)
        {
            case "String":
            case "Number":
                if (string.IsNullOrEmpty(stringValue))
                {
                    throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{baseType}'.");
                }
                if (baseType == "Number" && !decimal.TryParse(stringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    throw SqsErrors.InvalidParameterValue($"Can't cast the value of message (user) attribute '{name}' to a number.");
                }
                return new AttributeRecord { DataType = dataType, StringValue = stringValue };
            case "Binary":
                if (binaryValue is null || binaryValue.Length == 0)
                {
                    throw SqsErrors.InvalidParameterValue($"The message attribute '{name}' must contain non-empty message attribute value for message attribute type 'Binary'.");
                }
                return new AttributeRecord { DataType = dataType, BinaryValue = binaryValue };
            default:
                throw SqsErrors.InvalidParameterValue($"The type of message (user) attribute '{name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.");
        }
    }

    /// <summary>Adds validated messages to the queue; the commit is started under the queue's gate so writes land in order.</summary>
    private (List<MessageRecord> Results, Task Commit) Enqueue(RequestContext context, QueueRuntime q, List<Outgoing> entries)
    {
        var results = new List<MessageRecord>(entries.Count);
        var batch = new WriteBatch();
        lock (q.Gate)
        {
            if (q.Deleted)
            {
                throw SqsErrors.NoQueue();
            }
            var now = NowMs;
            var record = q.Record;
            Expire(q, now, batch);
            var byGroupScope = record.Attributes.GetValueOrDefault("DeduplicationScope") == "messageGroup";
            foreach (var e in entries)
            {
                var seq = Math.Max(q.NextSeq, now * 1000);
                q.NextSeq = seq + 1;
                string? dedupKey = null;
                if (record.IsFifo)
                {
                    dedupKey = byGroupScope ? e.GroupId + "/" + e.DedupId : e.DedupId!;
                    if (q.Dedup.TryGetValue(dedupKey, out var seen) && seen.ExpiresMs > now)
                    {
                        results.Add(new MessageRecord
                        {
                            Id = seen.MessageId,
                            Md5Body = Md5.OfBody(e.Body),
                            Md5Attributes = e.Attributes is null ? null : Md5.OfAttributes(e.Attributes),
                            Md5System = TraceMd5(e.TraceHeader),
                            SequenceNumber = seen.SequenceNumber,
                        });
                        continue;
                    }
                }
                var m = new MessageRecord
                {
                    Seq = seq,
                    Id = Guid.NewGuid().ToString(),
                    Body = e.Body,
                    Attributes = e.Attributes,
                    TraceHeader = e.TraceHeader,
                    Md5Body = Md5.OfBody(e.Body),
                    Md5Attributes = e.Attributes is null ? null : Md5.OfAttributes(e.Attributes),
                    Md5System = TraceMd5(e.TraceHeader),
                    SentMs = now,
                    VisibleAtMs = now + e.DelaySeconds * 1000L,
                    GroupId = e.GroupId,
                    DedupId = record.IsFifo ? e.DedupId : null,
                    SequenceNumber = record.IsFifo ? "1" + seq.ToString("D19", CultureInfo.InvariantCulture) : null,
                    SenderId = context.Caller.UserId,
                };
                q.Add(m);
                batch.Put(SqsKeys.Messages, SqsKeys.Message(record.Key, seq), SqsJson.Bytes(m));
                if (dedupKey is not null)
                {
                    var dedup = new DedupRecord { MessageId = m.Id, SequenceNumber = m.SequenceNumber, ExpiresMs = now + DedupWindowMs };
                    q.Dedup[dedupKey] = dedup;
                    batch.Put(SqsKeys.Dedup, SqsKeys.DedupKey(record.Key, dedupKey), SqsJson.Bytes(dedup));
                }
                results.Add(m);
            }
            q.Signal();
            return (results, Commit(batch));
        }
    }

    private static string? TraceMd5(string? trace) =>
        trace is null ? null : Md5.OfAttributes([new("AWSTraceHeader", new AttributeRecord { DataType = "String", StringValue = trace })]);

    /// <summary>Drops messages past the retention period (oldest first) and expired dedup entries. Caller holds the gate.</summary>
    private static void Expire(QueueRuntime q, long now, WriteBatch batch)
    {
        var retentionMs = q.Record.IntAttribute("MessageRetentionPeriod") * 1000L;
        while (q.Messages.Count > 0)
        {
            var oldest = q.Messages.First().Value;
            if (oldest.SentMs + retentionMs > now)
            {
                break;
            }
            q.Remove(oldest);
            batch.Delete(SqsKeys.Messages, SqsKeys.Message(q.Record.Key, oldest.Seq));
        }
        if (q.Dedup.Count > 0)
        {
            foreach (var (key, dedup) in q.Dedup.Where(d => d.Value.ExpiresMs <= now).ToList())
            {
                q.Dedup.Remove(key);
                batch.Delete(SqsKeys.Dedup, SqsKeys.DedupKey(q.Record.Key, key));
            }
        }
        foreach (var (key, _) in q.Attempts.Where(a => a.Value.ExpiresMs <= now).ToList())
        {
            q.Attempts.Remove(key);
        }
    }

    // ---------------------------------------------------------------- receive

    public override async ValueTask<ReceiveMessageResult> ReceiveMessageAsync(RequestContext context, ReceiveMessageRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var max = request.MaxNumberOfMessages ?? 1;
        if (max is < 1 or > 10)
        {
            throw SqsErrors.InvalidParameter("MaxNumberOfMessages", max, "Must be between 1 and 10, if provided.");
        }
        if (request.WaitTimeSeconds is { } w && w is < 0 or > 20)
        {
            throw SqsErrors.InvalidParameter("WaitTimeSeconds", w, "Must be >= 0 and <= 20, if provided.");
        }
        if (request.VisibilityTimeout is { } v && v is < 0 or > MaxVisibility)
        {
            throw SqsErrors.InvalidParameter("VisibilityTimeout", v, "Must be >= 0 and <= 43200, if provided.");
        }
        var systemNames = new HashSet<string>(StringComparer.Ordinal);
        systemNames.UnionWith(request.AttributeNames ?? []);
        systemNames.UnionWith(request.MessageSystemAttributeNames ?? []);
        var attributeFilter = request.MessageAttributeNames ?? [];
        var waitSeconds = request.WaitTimeSeconds ?? q.Record.IntAttribute("ReceiveMessageWaitTimeSeconds");
        var deadline = NowMs + waitSeconds * 1000L;

        while (true)
        {
            List<Message> messages;
            List<(MessageRecord Message, QueueRuntime Dlq)> moves;
            Task commit;
            Task signal;
            long? nextDue;
            long now;
            lock (q.Gate)
            {
                if (q.Deleted)
                {
                    throw SqsErrors.NoQueue();
                }
                now = NowMs;
                var batch = new WriteBatch();
                Expire(q, now, batch);
                var visibility = request.VisibilityTimeout ?? q.Record.IntAttribute("VisibilityTimeout");
                (messages, moves) = TakeMessages(context, q, now, max, visibility, systemNames, attributeFilter, request.ReceiveRequestAttemptId, batch);
                commit = Commit(batch);
                signal = q.SignalTask;
                nextDue = q.NextDueMs();
            }
            await commit;
            foreach (var (message, dlq) in moves)
            {
                await MoveToDeadLetterAsync(q, message, dlq);
            }
            if (messages.Count > 0 || now >= deadline)
            {
                return new ReceiveMessageResult { Messages = messages.Count == 0 ? null : messages };
            }
            if (moves.Count > 0)
            {
                continue;
            }
            var until = Math.Min(deadline, nextDue is { } due && due > now ? due : deadline);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, until - now)), _clock, cts.Token);
            await Task.WhenAny(signal, delay);
            await cts.CancelAsync();
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Picks due messages (FIFO: in group order, one in-flight group at a time). Caller holds the gate.</summary>
    private (List<Message>, List<(MessageRecord, QueueRuntime)>) TakeMessages(RequestContext context, QueueRuntime q, long now, int max, int visibility,
        HashSet<string> systemNames, List<string> attributeFilter, string? attemptId, WriteBatch batch)
    {
        var record = q.Record;
        var messages = new List<Message>();
        var moves = new List<(MessageRecord, QueueRuntime)>();
        if (record.IsFifo && attemptId is not null && q.Attempts.TryGetValue(attemptId, out var attempt) && attempt.ExpiresMs > now)
        {
            var same = attempt.Items.All(i => q.Messages.TryGetValue(i.Seq, out var m) && m.Token == i.Token && m.VisibleAtMs > now);
            if (same)
            {
                foreach (var (seq, _) in attempt.Items)
                {
                    messages.Add(ToMessage(record, q.Messages[seq], systemNames, attributeFilter));
                }
                return (messages, moves);
            }
        }
        var redrive = RedrivePolicyOf(record);
        var dlq = redrive is null ? null : FindByArn(redrive.Value.Arn);
        var picked = new List<MessageRecord>();
        if (!record.IsFifo)
        {
            foreach (var (at, seq) in q.Schedule)
            {
                if (at > now || picked.Count >= max)
                {
                    break;
                }
                var m = q.Messages[seq];
                if (dlq is not null && m.ReceiveCount >= redrive!.Value.MaxReceiveCount)
                {
                    moves.Add((m, dlq));
                    continue;
                }
                picked.Add(m);
            }
        }
        else
        {
            foreach (var seqs in q.Groups.Values.OrderBy(g => g.Min))
            {
                foreach (var seq in seqs)
                {
                    var m = q.Messages[seq];
                    if (m.VisibleAtMs > now || picked.Count >= max)
                    {
                        break;
                    }
                    if (dlq is not null && m.ReceiveCount >= redrive!.Value.MaxReceiveCount)
                    {
                        moves.Add((m, dlq));
                        continue;
                    }
                    picked.Add(m);
                }
                if (picked.Count >= max)
                {
                    break;
                }
            }
        }
        foreach (var (m, _) in moves)
        {
            q.Remove(m);
        }
        var attemptItems = new List<(long, string)>();
        foreach (var m in picked)
        {
            m.ReceiveCount++;
            if (m.FirstReceiveMs == 0)
            {
                m.FirstReceiveMs = now;
            }
            m.LastReceiveMs = now;
            m.Token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            q.SetVisibleAt(m, now + visibility * 1000L);
            batch.Put(SqsKeys.Messages, SqsKeys.Message(record.Key, m.Seq), SqsJson.Bytes(m));
            messages.Add(ToMessage(record, m, systemNames, attributeFilter));
            attemptItems.Add((m.Seq, m.Token));
        }
        if (record.IsFifo && attemptId is not null && picked.Count > 0)
        {
            q.Attempts[attemptId] = (now + DedupWindowMs, attemptItems);
        }
        return (messages, moves);
    }

    /// <summary>Moves a message that exceeded maxReceiveCount: one atomic batch deletes it from the source and adds it to the DLQ.</summary>
    private async Task MoveToDeadLetterAsync(QueueRuntime source, MessageRecord m, QueueRuntime dlq)
    {
        Task commit;
        lock (dlq.Gate)
        {
            var batch = new WriteBatch().Delete(SqsKeys.Messages, SqsKeys.Message(source.Record.Key, m.Seq));
            if (!dlq.Deleted)
            {
                var now = NowMs;
                var seq = Math.Max(dlq.NextSeq, now * 1000);
                dlq.NextSeq = seq + 1;
                m.Seq = seq;
                m.VisibleAtMs = now;
                m.Token = null;
                m.DeadLetterSourceArn = source.Record.Arn;
                if (dlq.IsFifo)
                {
                    m.SequenceNumber = "1" + seq.ToString("D19", CultureInfo.InvariantCulture);
                }
                dlq.Add(m);
                batch.Put(SqsKeys.Messages, SqsKeys.Message(dlq.Record.Key, seq), SqsJson.Bytes(m));
                dlq.Signal();
            }
            commit = Commit(batch);
        }
        await commit;
    }

    private static Message ToMessage(QueueRecord queue, MessageRecord m, HashSet<string> systemNames, List<string> attributeFilter)
    {
        var all = systemNames.Contains("All");
        Dictionary<string, string>? attributes = null;
        void Add(string name, string? value)
        {
            if (value is not null && (all || systemNames.Contains(name)))
            {
                (attributes ??= new Dictionary<string, string>(StringComparer.Ordinal))[name] = value;
            }
        }
        Add("SenderId", m.SenderId);
        Add("SentTimestamp", m.SentMs.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateReceiveCount", m.ReceiveCount.ToString(CultureInfo.InvariantCulture));
        Add("ApproximateFirstReceiveTimestamp", m.FirstReceiveMs.ToString(CultureInfo.InvariantCulture));
        Add("AWSTraceHeader", m.TraceHeader);
        Add("DeadLetterQueueSourceArn", m.DeadLetterSourceArn);
        if (queue.IsFifo)
        {
            Add("MessageGroupId", m.GroupId);
            Add("MessageDeduplicationId", m.DedupId);
            Add("SequenceNumber", m.SequenceNumber);
        }
        else
        {
            Add("MessageGroupId", m.GroupId);
        }

        Dictionary<string, MessageAttributeValue>? userAttributes = null;
        string? md5 = null;
        if (m.Attributes is { Count: > 0 } && attributeFilter.Count > 0)
        {
            var selected = m.Attributes.Where(a => attributeFilter.Any(f => f is "All" or ".*"
                || (f.EndsWith(".*", StringComparison.Ordinal) && a.Key.StartsWith(f[..^1], StringComparison.Ordinal))
                || f == a.Key)).ToList();
            if (selected.Count > 0)
            {
                userAttributes = selected.ToDictionary(a => a.Key,
                    a => new MessageAttributeValue { DataType = a.Value.DataType, StringValue = a.Value.StringValue, BinaryValue = a.Value.BinaryValue },
                    StringComparer.Ordinal);
                md5 = Md5.OfAttributes(selected);
            }
        }
        return new Message
        {
            MessageId = m.Id,
            ReceiptHandle = ReceiptHandle(queue.Key, m.Seq, m.Token!),
            MD5OfBody = m.Md5Body,
            Body = m.Body,
            Attributes = attributes,
            MessageAttributes = userAttributes,
            MD5OfMessageAttributes = md5,
        };
    }

    // ---------------------------------------------------------------- receipt handles

    private static string ReceiptHandle(string queueKey, long seq, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"gureum:{queueKey}/{seq.ToString(CultureInfo.InvariantCulture)}/{token}"));

    /// <summary>Parses a receipt handle of this queue, or throws ReceiptHandleIsInvalid.</summary>
    private static (long Seq, string Token) ParseHandle(QueueRuntime q, string? handle)
    {
        if (string.IsNullOrEmpty(handle))
        {
            throw SqsErrors.MissingParameter("ReceiptHandle");
        }
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(handle));
            var prefix = "gureum:" + q.Record.Key + "/";
            if (text.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = text[prefix.Length..].Split('/');
                if (rest.Length == 2 && long.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && rest[1].Length == 32)
                {
                    return (seq, rest[1]);
                }
            }
        }
        catch (FormatException)
        {
        }
        throw SqsErrors.BadReceiptHandle(handle);
    }

    // ---------------------------------------------------------------- delete / visibility

    public override async ValueTask<Empty> DeleteMessageAsync(RequestContext context, DeleteMessageRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var handle = ParseHandle(q, request.ReceiptHandle);
        Task commit;
        lock (q.Gate)
        {
            var batch = new WriteBatch();
            DeleteOne(q, handle, batch);
            commit = Commit(batch);
        }
        await commit;
        return Empty.Instance;
    }

    private static void DeleteOne(QueueRuntime q, (long Seq, string Token) handle, WriteBatch batch)
    {
        // A handle from an earlier receive succeeds without deleting (AWS: use the latest receipt handle).
        if (q.Messages.TryGetValue(handle.Seq, out var m) && m.Token == handle.Token)
        {
            q.Remove(m);
            batch.Delete(SqsKeys.Messages, SqsKeys.Message(q.Record.Key, m.Seq));
            if (q.IsFifo)
            {
                q.Signal(); // the group's next message may now be receivable
            }
        }
    }

    public override async ValueTask<DeleteMessageBatchResult> DeleteMessageBatchAsync(RequestContext context, DeleteMessageBatchRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var entries = request.Entries ?? [];
        CheckBatch(entries.Select(e => e.Id), "DeleteMessageBatchRequestEntry");
        var successful = new List<DeleteMessageBatchResultEntry>();
        var failed = new List<BatchResultErrorEntry>();
        Task commit;
        lock (q.Gate)
        {
            var batch = new WriteBatch();
            foreach (var e in entries)
            {
                try
                {
                    DeleteOne(q, ParseHandle(q, e.ReceiptHandle), batch);
                    successful.Add(new DeleteMessageBatchResultEntry { Id = e.Id });
                }
                catch (AwsServiceException error)
                {
                    failed.Add(new BatchResultErrorEntry { Id = e.Id, Code = error.Code, Message = error.Message, SenderFault = error.SenderFault });
                }
            }
            commit = Commit(batch);
        }
        await commit;
        return new DeleteMessageBatchResult { Successful = successful, Failed = failed };
    }

    public override async ValueTask<Empty> ChangeMessageVisibilityAsync(RequestContext context, ChangeMessageVisibilityRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var handle = ParseHandle(q, request.ReceiptHandle);
        Task commit;
        lock (q.Gate)
        {
            var batch = new WriteBatch();
            ChangeOne(q, handle, request.VisibilityTimeout ?? 0, batch);
            commit = Commit(batch);
        }
        await commit;
        return Empty.Instance;
    }

    private void ChangeOne(QueueRuntime q, (long Seq, string Token) handle, int timeout, WriteBatch batch)
    {
        if (timeout is < 0 or > MaxVisibility)
        {
            throw SqsErrors.InvalidParameter("VisibilityTimeout", timeout, "VisibilityTimeout must be an integer between 0 and 43200");
        }
        var now = NowMs;
        if (!q.Messages.TryGetValue(handle.Seq, out var m) || m.Token != handle.Token || m.VisibleAtMs <= now)
        {
            throw SqsErrors.NotInflight();
        }
        if ((now - m.LastReceiveMs) / 1000 + timeout > MaxVisibility)
        {
            throw SqsErrors.InvalidParameter("VisibilityTimeout", timeout, "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
        }
        q.SetVisibleAt(m, now + timeout * 1000L);
        batch.Put(SqsKeys.Messages, SqsKeys.Message(q.Record.Key, m.Seq), SqsJson.Bytes(m));
        if (timeout == 0)
        {
            q.Signal();
        }
    }

    public override async ValueTask<ChangeMessageVisibilityBatchResult> ChangeMessageVisibilityBatchAsync(RequestContext context, ChangeMessageVisibilityBatchRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var entries = request.Entries ?? [];
        CheckBatch(entries.Select(e => e.Id), "ChangeMessageVisibilityBatchRequestEntry");
        var successful = new List<ChangeMessageVisibilityBatchResultEntry>();
        var failed = new List<BatchResultErrorEntry>();
        Task commit;
        lock (q.Gate)
        {
            var batch = new WriteBatch();
            foreach (var e in entries)
            {
                try
                {
                    ChangeOne(q, ParseHandle(q, e.ReceiptHandle), e.VisibilityTimeout ?? 0, batch);
                    successful.Add(new ChangeMessageVisibilityBatchResultEntry { Id = e.Id });
                }
                catch (AwsServiceException error)
                {
                    failed.Add(new BatchResultErrorEntry { Id = e.Id, Code = error.Code, Message = error.Message, SenderFault = error.SenderFault });
                }
            }
            commit = Commit(batch);
        }
        await commit;
        return new ChangeMessageVisibilityBatchResult { Successful = successful, Failed = failed };
    }

    // ---------------------------------------------------------------- permissions

    public override async ValueTask<Empty> AddPermissionAsync(RequestContext context, AddPermissionRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var label = request.Label ?? "";
        var accounts = request.AWSAccountIds ?? [];
        var actions = request.Actions ?? [];
        if (accounts.Count == 0)
        {
            throw SqsErrors.MissingParameter("AWSAccountId");
        }
        if (actions.Count == 0)
        {
            throw SqsErrors.MissingParameter("ActionName");
        }
        var statements = PolicyStatements(q.Record);
        if (statements.Any(s => s.Sid == label))
        {
            throw SqsErrors.InvalidParameter("Label", label, "Already exists.");
        }
        statements.Add((label, Statement(label, accounts, actions, q.Record.Arn)));
        await WritePolicyAsync(q, statements);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> RemovePermissionAsync(RequestContext context, RemovePermissionRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var q = Resolve(context, request.QueueUrl);
        var statements = PolicyStatements(q.Record);
        if (statements.RemoveAll(s => s.Sid == request.Label) == 0)
        {
            throw SqsErrors.InvalidParameter("Label", request.Label ?? "", "can't find label on existing policy.");
        }
        await WritePolicyAsync(q, statements);
        return Empty.Instance;
    }

    private static string Statement(string label, List<string> accounts, List<string> actions, string arn)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Sid", label);
            w.WriteString("Effect", "Allow");
            w.WriteStartObject("Principal");
            w.WriteStartArray("AWS");
            foreach (var a in accounts)
            {
                w.WriteStringValue($"arn:aws:iam::{a}:root");
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartArray("Action");
            foreach (var a in actions)
            {
                w.WriteStringValue("SQS:" + a);
            }
            w.WriteEndArray();
            w.WriteString("Resource", arn);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static List<(string Sid, string Json)> PolicyStatements(QueueRecord record)
    {
        var list = new List<(string, string)>();
        if (record.Attributes.TryGetValue("Policy", out var policy) && policy.Length > 0)
        {
            using var doc = JsonDocument.Parse(policy);
            if (doc.RootElement.TryGetProperty("Statement", out var statements) && statements.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in statements.EnumerateArray())
                {
                    list.Add((s.TryGetProperty("Sid", out var sid) ? sid.GetString() ?? "" : "", s.GetRawText()));
                }
            }
        }
        return list;
    }

    private Task WritePolicyAsync(QueueRuntime q, List<(string Sid, string Json)> statements) =>
        UpdateRecordAsync(q, r =>
        {
            if (statements.Count == 0)
            {
                r.Attributes.Remove("Policy");
            }
            else
            {
                r.Attributes["Policy"] = $"{{\"Version\":\"2012-10-17\",\"Id\":\"{r.Arn}/SQSDefaultPolicy\",\"Statement\":[{string.Join(",", statements.Select(s => s.Json))}]}}";
            }
            r.ModifiedMs = NowMs;
        });
}
