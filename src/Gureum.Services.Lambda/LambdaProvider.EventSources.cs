using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Lambda;

/// <summary>
/// SQS event source mappings: a poller per enabled mapping receives from the queue through SQS's API
/// (long polling, as lambda.amazonaws.com), invokes the function with AWS's SQS event, deletes the batch on
/// success (or all but the reported batchItemFailures), and leaves failed messages for redrive.
/// </summary>
public sealed partial class LambdaProvider
{
    private const string EsmTable = "lambda/esm";
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _pollers = new(StringComparer.Ordinal);

    private static string EsmKey(string account, string region, string uuid) => $"{account}/{region}/{uuid}";

    public override async ValueTask<EventSourceMappingConfiguration> CreateEventSourceMappingAsync(RequestContext context, CreateEventSourceMappingRequest request, CancellationToken ct)
    {
        var source = request.EventSourceArn ?? throw LambdaErrors.InvalidParameter("Unrecognized event source, must be kafka or specify an EventSourceArn.");
        var parts = source.Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sqs")
        {
            throw LambdaErrors.InvalidParameter($"Unrecognized event source: {source}. Gureum supports SQS queues as event sources.");
        }
        var (name, qualifier) = ParseName(context, request.FunctionName!);
        await RequireAsync(context, name, ct).ConfigureAwait(false);
        var batch = request.BatchSize ?? 10;
        var window = request.MaximumBatchingWindowInSeconds ?? 0;
        CheckBatch(batch, window);
        var record = new MappingRecord
        {
            Uuid = Guid.NewGuid().ToString(),
            AccountId = context.AccountId,
            Region = context.Region,
            FunctionArn = qualifier is null ? FunctionArn(context, name) : $"{FunctionArn(context, name)}:{qualifier}",
            EventSourceArn = source,
            BatchSize = batch,
            MaximumBatchingWindowInSeconds = window,
            Enabled = request.Enabled ?? true,
            FunctionResponseTypes = request.FunctionResponseTypes ?? [],
            FilterPatterns = request.FilterCriteria?.Filters?.Select(f => f.Pattern ?? "").ToList(),
            LastModified = _clock.GetUtcNow(),
            BaseUrl = context.BaseUrl,
        };
        await foreach (var kv in _state.ScanAsync(EsmTable, ScanRange.WithPrefix($"{context.AccountId}/{context.Region}/"), ct).ConfigureAwait(false))
        {
            var other = JsonSerializer.Deserialize(kv.Value, EsmJson.Default.MappingRecord)!;
            if (other.EventSourceArn == source && other.FunctionArn == record.FunctionArn)
            {
                throw new ResourceConflictException($"An event source mapping with SQS arn (\" {source} \") and function (\" {name} \") already exists. Please update or delete the existing mapping with UUID {other.Uuid}") { Type = "User" };
            }
        }
        await SaveMappingAsync(record, ct).ConfigureAwait(false);
        StartPoller(record);
        return ToModel(record, "Creating", 202);
    }

    private static void CheckBatch(int batch, int window)
    {
        if (batch > 10 && window < 1)
        {
            throw LambdaErrors.InvalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10");
        }
        if (batch > 10_000)
        {
            throw LambdaErrors.InvalidParameter("BatchSize must be less than or equal to 10000 for SQS event sources.");
        }
    }

    public override async ValueTask<EventSourceMappingConfiguration> GetEventSourceMappingAsync(RequestContext context, GetEventSourceMappingRequest request, CancellationToken ct)
    {
        var record = await RequireMappingAsync(context, request.UUID!, ct).ConfigureAwait(false);
        return ToModel(record, record.Enabled ? "Enabled" : "Disabled");
    }

    public override async ValueTask<ListEventSourceMappingsResponse> ListEventSourceMappingsAsync(RequestContext context, ListEventSourceMappingsRequest request, CancellationToken ct)
    {
        string? function = null;
        if (request.FunctionName is { } fn)
        {
            var (name, qualifier) = ParseName(context, fn);
            function = qualifier is null ? FunctionArn(context, name) : $"{FunctionArn(context, name)}:{qualifier}";
        }
        var all = new List<MappingRecord>();
        await foreach (var kv in _state.ScanAsync(EsmTable, ScanRange.WithPrefix($"{context.AccountId}/{context.Region}/"), ct).ConfigureAwait(false))
        {
            var r = JsonSerializer.Deserialize(kv.Value, EsmJson.Default.MappingRecord)!;
            if ((function is null || r.FunctionArn == function) && (request.EventSourceArn is null || r.EventSourceArn == request.EventSourceArn))
            {
                all.Add(r);
            }
        }
        var start = int.TryParse(request.Marker, out var m) ? m : 0;
        var max = request.MaxItems ?? 100;
        var page = all.Skip(start).Take(max).Select(r => ToModel(r, r.Enabled ? "Enabled" : "Disabled")).ToList();
        return new ListEventSourceMappingsResponse
        {
            EventSourceMappings = page,
            NextMarker = start + page.Count < all.Count ? (start + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };
    }

    public override async ValueTask<EventSourceMappingConfiguration> UpdateEventSourceMappingAsync(RequestContext context, UpdateEventSourceMappingRequest request, CancellationToken ct)
    {
        var record = await RequireMappingAsync(context, request.UUID!, ct).ConfigureAwait(false);
        if (request.FunctionName is { } fn)
        {
            var (name, qualifier) = ParseName(context, fn);
            await RequireAsync(context, name, ct).ConfigureAwait(false);
            record.FunctionArn = qualifier is null ? FunctionArn(context, name) : $"{FunctionArn(context, name)}:{qualifier}";
        }
        record.BatchSize = request.BatchSize ?? record.BatchSize;
        record.MaximumBatchingWindowInSeconds = request.MaximumBatchingWindowInSeconds ?? record.MaximumBatchingWindowInSeconds;
        CheckBatch(record.BatchSize, record.MaximumBatchingWindowInSeconds);
        record.Enabled = request.Enabled ?? record.Enabled;
        record.FunctionResponseTypes = request.FunctionResponseTypes ?? record.FunctionResponseTypes;
        if (request.FilterCriteria is { } fc)
        {
            record.FilterPatterns = fc.Filters?.Select(f => f.Pattern ?? "").ToList();
        }
        record.LastModified = _clock.GetUtcNow();
        await SaveMappingAsync(record, ct).ConfigureAwait(false);
        StopPoller(record);
        StartPoller(record);
        return ToModel(record, "Updating", 202);
    }

    public override async ValueTask<EventSourceMappingConfiguration> DeleteEventSourceMappingAsync(RequestContext context, DeleteEventSourceMappingRequest request, CancellationToken ct)
    {
        var record = await RequireMappingAsync(context, request.UUID!, ct).ConfigureAwait(false);
        await _state.CommitAsync(new WriteBatch().Delete(EsmTable, EsmKey(record.AccountId, record.Region, record.Uuid)), ct).ConfigureAwait(false);
        StopPoller(record);
        return ToModel(record, "Deleting", 202);
    }

    private async Task<MappingRecord> RequireMappingAsync(RequestContext c, string uuid, CancellationToken ct)
    {
        var bytes = await _state.GetAsync(EsmTable, EsmKey(c.AccountId, c.Region, uuid), ct).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException($"The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: {c.RequestId})") { Type = "User" };
        return JsonSerializer.Deserialize(bytes, EsmJson.Default.MappingRecord)!;
    }

    private Task SaveMappingAsync(MappingRecord r, CancellationToken ct) =>
        _state.CommitAsync(new WriteBatch().Put(EsmTable, EsmKey(r.AccountId, r.Region, r.Uuid),
            JsonSerializer.SerializeToUtf8Bytes(r, EsmJson.Default.MappingRecord)), ct).AsTask();

    private static EventSourceMappingConfiguration ToModel(MappingRecord r, string state, int? _ = null) => new()
    {
        UUID = r.Uuid,
        BatchSize = r.BatchSize,
        MaximumBatchingWindowInSeconds = r.MaximumBatchingWindowInSeconds,
        EventSourceArn = r.EventSourceArn,
        FunctionArn = r.FunctionArn,
        LastModified = r.LastModified,
        State = state,
        StateTransitionReason = "USER_INITIATED",
        FunctionResponseTypes = r.FunctionResponseTypes,
        FilterCriteria = r.FilterPatterns is null ? null : new FilterCriteria { Filters = r.FilterPatterns.Select(p => new Filter { Pattern = p }).ToList() },
        EventSourceMappingArn = $"arn:aws:lambda:{r.Region}:{r.AccountId}:event-source-mapping:{r.Uuid}",
    };

    /// <summary>Restarts the pollers of enabled mappings (after a restart of the server).</summary>
    private async Task ResumePollersAsync()
    {
        await foreach (var kv in _state.ScanAsync(EsmTable, ScanRange.All).ConfigureAwait(false))
        {
            StartPoller(JsonSerializer.Deserialize(kv.Value, EsmJson.Default.MappingRecord)!);
        }
    }

    private void StartPoller(MappingRecord r)
    {
        if (!r.Enabled)
        {
            return;
        }
        var cts = new CancellationTokenSource();
        if (_pollers.TryAdd(r.Uuid, cts))
        {
            _ = Task.Run(() => PollAsync(r, cts.Token));
        }
    }

    private void StopPoller(MappingRecord r)
    {
        if (_pollers.TryRemove(r.Uuid, out var cts))
        {
            cts.Cancel();
        }
    }

    private async Task PollAsync(MappingRecord r, CancellationToken ct)
    {
        var parts = r.EventSourceArn.Split(':');
        var queueUrl = $"{r.BaseUrl}/{parts[4]}/{parts[5]}";
        var caller = ServiceCall.ServicePrincipal("lambda.amazonaws.com", r.AccountId);
        while (!ct.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                var messages = new List<Api.Sqs.Message>();
                var windowEnd = _clock.GetUtcNow().AddSeconds(r.MaximumBatchingWindowInSeconds);
                do
                {
                    var receive = new Api.Sqs.ReceiveMessageRequest
                    {
                        QueueUrl = queueUrl,
                        MaxNumberOfMessages = Math.Min(10, r.BatchSize - messages.Count),
                        WaitTimeSeconds = messages.Count == 0 ? 5 : 1,
                        AttributeNames = ["All"],
                        MessageSystemAttributeNames = ["All"],
                        MessageAttributeNames = ["All"],
                    };
                    var output = await _services.InvokeAsync(new ServiceCall("sqs", "ReceiveMessage", receive.ToTree(), parts[4], parts[3], caller, r.BaseUrl), ct).ConfigureAwait(false);
                    var got = Api.Sqs.ReceiveMessageResult.FromTree(output)?.Messages ?? [];
                    messages.AddRange(got);
                    if (got.Count == 0 && messages.Count > 0)
                    {
                        break;
                    }
                }
                while (messages.Count > 0 && messages.Count < r.BatchSize && _clock.GetUtcNow() < windowEnd && !ct.IsCancellationRequested);
                if (messages.Count == 0)
                {
                    continue;
                }
                await ProcessBatchAsync(r, queueUrl, parts, messages, caller, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception)
            {
                // queue missing, function throttled...: retry after a pause, as the Lambda pollers do
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _clock, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProcessBatchAsync(MappingRecord r, string queueUrl, string[] arn, List<Api.Sqs.Message> messages, CallerIdentity caller, CancellationToken ct)
    {
        var payload = SqsEvent(r, messages);
        var invoke = new InvocationRequest { FunctionName = r.FunctionArn, Payload = payload };
        var output = await _services.InvokeAsync(new ServiceCall("lambda", "Invoke", invoke.ToTree(), r.AccountId, r.Region, caller, r.BaseUrl), ct).ConfigureAwait(false);
        var response = InvocationResponse.FromTree(output)!;
        if (response.FunctionError is not null)
        {
            return; // the whole batch becomes visible again after the visibility timeout
        }
        var failed = new HashSet<string>(StringComparer.Ordinal);
        if (r.FunctionResponseTypes.Contains("ReportBatchItemFailures") && response.Payload is { Length: > 0 } body)
        {
            if (!ParseBatchItemFailures(body, messages, failed))
            {
                return; // an invalid partial-batch response fails the whole batch
            }
        }
        var entries = messages.Where(m => !failed.Contains(m.MessageId!))
            .Select((m, i) => new Api.Sqs.DeleteMessageBatchRequestEntry { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), ReceiptHandle = m.ReceiptHandle })
            .ToList();
        for (var i = 0; i < entries.Count; i += 10)
        {
            var delete = new Api.Sqs.DeleteMessageBatchRequest { QueueUrl = queueUrl, Entries = entries.Skip(i).Take(10).ToList() };
            await _services.InvokeAsync(new ServiceCall("sqs", "DeleteMessageBatch", delete.ToTree(), arn[4], arn[3], caller, r.BaseUrl), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads {"batchItemFailures":[{"itemIdentifier": id}]}; false when the response is malformed.</summary>
    private static bool ParseBatchItemFailures(byte[] body, List<Api.Sqs.Message> messages, HashSet<string> failed)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("batchItemFailures", out var list))
            {
                return true; // no failures reported: all succeeded
            }
            if (list.ValueKind == JsonValueKind.Null)
            {
                return true;
            }
            var ids = messages.Select(m => m.MessageId!).ToHashSet(StringComparer.Ordinal);
            foreach (var item in list.EnumerateArray())
            {
                if (!item.TryGetProperty("itemIdentifier", out var id) || id.ValueKind != JsonValueKind.String || !ids.Contains(id.GetString()!))
                {
                    return false;
                }
                failed.Add(id.GetString()!);
            }
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return true;
        }
    }

    private static byte[] SqsEvent(MappingRecord r, List<Api.Sqs.Message> messages)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("Records");
            foreach (var m in messages)
            {
                w.WriteStartObject();
                w.WriteString("messageId", m.MessageId);
                w.WriteString("receiptHandle", m.ReceiptHandle);
                w.WriteString("body", m.Body);
                w.WriteStartObject("attributes");
                foreach (var (k, v) in m.Attributes ?? [])
                {
                    w.WriteString(k, v);
                }
                w.WriteEndObject();
                w.WriteStartObject("messageAttributes");
                foreach (var (k, v) in m.MessageAttributes ?? [])
                {
                    w.WriteStartObject(k);
                    if (v.StringValue is not null)
                    {
                        w.WriteString("stringValue", v.StringValue);
                    }
                    if (v.BinaryValue is not null)
                    {
                        w.WriteString("binaryValue", Convert.ToBase64String(v.BinaryValue));
                    }
                    w.WriteStartArray("stringListValues");
                    w.WriteEndArray();
                    w.WriteStartArray("binaryListValues");
                    w.WriteEndArray();
                    w.WriteString("dataType", v.DataType);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
                w.WriteString("md5OfBody", m.MD5OfBody);
                if (m.MD5OfMessageAttributes is not null)
                {
                    w.WriteString("md5OfMessageAttributes", m.MD5OfMessageAttributes);
                }
                w.WriteString("eventSource", "aws:sqs");
                w.WriteString("eventSourceARN", r.EventSourceArn);
                w.WriteString("awsRegion", r.EventSourceArn.Split(':')[3]);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
