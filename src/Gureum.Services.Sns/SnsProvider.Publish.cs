using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gureum.Api.Sns;
using Gureum.Core;
using Lambda = Gureum.Api.Lambda;
using Sqs = Gureum.Api.Sqs;

namespace Gureum.Services.Sns;

public sealed partial class SnsProvider
{
    private const int MaxMessageBytes = 262_144;
    private const long DedupWindowMs = 5 * 60 * 1000;

    private readonly ConcurrentDictionary<string, (string MessageId, string? Sequence, long ExpiresMs)> _dedup = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _fifoGates = new(StringComparer.Ordinal);
    private readonly List<CapturedMessage> _captured = [];
    private long _sequence;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = TimeSpan.FromSeconds(15),
    };

    private static readonly JsonWriterOptions EnvelopeJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One validated message about to be published.</summary>
    private sealed record Outgoing(string? EntryId, string Message, string? Subject, Dictionary<string, string>? Structured,
        Dictionary<string, MessageAttributeValue>? Attributes, string? GroupId, string? DedupId);

    // ---------------------------------------------------------------- validation

    private static Outgoing Validate(TopicRecord? topic, string? entryId, string? message, string? subject, string? structure,
        Dictionary<string, MessageAttributeValue>? attributes, string? groupId, string? dedupId)
    {
        if (string.IsNullOrEmpty(message))
        {
            throw new InvalidParameterException("Invalid parameter: Empty message");
        }
        if (subject is not null && (subject.Length is 0 or >= 100 || !char.IsAsciiLetterOrDigit(subject[0]) && !char.IsPunctuation(subject[0])
            || subject.Any(c => c > 127 || char.IsControl(c))))
        {
            throw new InvalidParameterException("Invalid parameter: Subject");
        }
        if (Encoding.UTF8.GetByteCount(message) + AttributesSize(attributes) > MaxMessageBytes)
        {
            throw new InvalidParameterException("Invalid parameter: Message too long");
        }
        Dictionary<string, string>? structured = null;
        if (structure is not null)
        {
            if (structure != "json")
            {
                throw new InvalidParameterException("Invalid parameter: MessageStructure");
            }
            try
            {
                using var doc = JsonDocument.Parse(message);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new InvalidParameterException("Invalid parameter: Message Structure - JSON message body failed to parse");
                }
                structured = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String)
                    {
                        structured[p.Name] = p.Value.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
                throw new InvalidParameterException("Invalid parameter: Message Structure - JSON message body failed to parse");
            }
            if (!structured.ContainsKey("default"))
            {
                throw new InvalidParameterException("Invalid parameter: Message Structure - No default entry in JSON message body");
            }
        }
        ValidateAttributes(attributes);
        if (topic is { IsFifo: true })
        {
            if (string.IsNullOrEmpty(groupId))
            {
                throw new InvalidParameterException("Invalid parameter: The MessageGroupId parameter is required for FIFO topics");
            }
            if (string.IsNullOrEmpty(dedupId))
            {
                if (topic.Attributes.GetValueOrDefault("ContentBasedDeduplication") != "true")
                {
                    throw new InvalidParameterException(
                        "Invalid parameter: The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly");
                }
                dedupId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(message)));
            }
            CheckFifoId(groupId, "MessageGroupId");
            CheckFifoId(dedupId, "MessageDeduplicationId");
        }
        else if (topic is not null)
        {
            if (dedupId is not null)
            {
                throw new InvalidParameterException(
                    "Invalid parameter: MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type");
            }
            if (groupId is not null)
            {
                CheckFifoId(groupId, "MessageGroupId");
            }
        }
        return new Outgoing(entryId, message, subject, structured, attributes, groupId, dedupId);
    }

    private static void CheckFifoId(string id, string name)
    {
        if (id.Length > 128 || id.Any(c => c < 33 || c > 126))
        {
            throw new InvalidParameterException(
                $"Invalid parameter: {name} Reason: {name} can only include alphanumeric and punctuation characters. 1 to 128 in length.");
        }
    }

    private static int AttributesSize(Dictionary<string, MessageAttributeValue>? attributes) =>
        attributes?.Sum(a => Encoding.UTF8.GetByteCount(a.Key) + Encoding.UTF8.GetByteCount(a.Value.DataType ?? "")
            + (a.Value.BinaryValue?.Length ?? Encoding.UTF8.GetByteCount(a.Value.StringValue ?? ""))) ?? 0;

    private static void ValidateAttributes(Dictionary<string, MessageAttributeValue>? attributes)
    {
        if (attributes is null)
        {
            return;
        }
        if (attributes.Count > 10)
        {
            throw new InvalidParameterValueException($"Number of message attributes [{attributes.Count}] exceeds the allowed maximum [10].");
        }
        foreach (var (name, attribute) in attributes)
        {
            if (name.Length > 256)
            {
                throw new InvalidParameterValueException("Length of message attribute name must be less than 256 bytes.");
            }
            if (name.StartsWith('.'))
            {
                throw new InvalidParameterValueException("Invalid message attribute name starting with character '.' was found.");
            }
            if (name.EndsWith('.'))
            {
                throw new InvalidParameterValueException("Invalid message attribute name ending with character '.' was found.");
            }
            foreach (var c in name)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                {
                    throw new InvalidParameterValueException(
                        $"Invalid non-alphanumeric character '#x{((int)c).ToString("X", CultureInfo.InvariantCulture)}' was found in the message attribute name. Can only include alphanumeric characters, hyphens, underscores, or dots.");
                }
            }
            if (name.Contains("..", StringComparison.Ordinal))
            {
                throw new InvalidParameterValueException("Message attribute name can not have successive '.' character.");
            }
            var type = attribute.DataType ?? "";
            var baseType = type.Split('.')[0];
            if (baseType is not ("String" or "Number" or "Binary"))
            {
                throw new InvalidParameterValueException(
                    $"The message attribute '{name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
            }
            if (baseType == "Binary")
            {
                if (attribute.BinaryValue is null)
                {
                    throw new InvalidParameterValueException($"The message attribute '{name}' with type 'Binary' must use field 'Binary'.");
                }
                if (attribute.BinaryValue.Length == 0)
                {
                    throw new InvalidParameterValueException($"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{type}'.");
                }
                continue;
            }
            if (attribute.StringValue is null)
            {
                throw new InvalidParameterValueException($"The message attribute '{name}' with type '{baseType}' must use field 'String'.");
            }
            if (attribute.StringValue.Length == 0)
            {
                throw new InvalidParameterValueException($"The message attribute '{name}' must contain non-empty message attribute value for message attribute type '{type}'.");
            }
            if (baseType == "Number" && (!double.TryParse(attribute.StringValue, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                || Math.Abs(n) > 1e9 * 1e300))
            {
                throw new InvalidParameterValueException($"Could not cast message attribute '{name}' value to number.");
            }
            if (type == "String.Array")
            {
                try
                {
                    using var doc = JsonDocument.Parse(attribute.StringValue);
                    if (doc.RootElement.ValueKind != JsonValueKind.Array)
                    {
                        throw new InvalidParameterValueException($"The message attribute '{name}' with type 'String.Array' has an invalid value.");
                    }
                }
                catch (JsonException)
                {
                    throw new InvalidParameterValueException($"The message attribute '{name}' with type 'String.Array' has an invalid value.");
                }
            }
        }
    }

    // ---------------------------------------------------------------- publish

    public override async ValueTask<PublishResponse> PublishAsync(RequestContext context, PublishInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        if (request.PhoneNumber is not null)
        {
            if (request.TopicArn is not null || request.TargetArn is not null)
            {
                throw new InvalidParameterException("Invalid parameter: PhoneNumber Reason: Only one of TopicArn, TargetArn or PhoneNumber may be set");
            }
            var direct = Validate(null, null, request.Message, request.Subject, request.MessageStructure, request.MessageAttributes, null, null);
            var digits = request.PhoneNumber.StartsWith('+') ? request.PhoneNumber[1..] : request.PhoneNumber;
            if (digits.Length is < 5 or > 15 || !digits.All(char.IsAsciiDigit))
            {
                throw new InvalidParameterException($"Invalid parameter: PhoneNumber Reason: {request.PhoneNumber} is not valid to publish to");
            }
            var id = Guid.NewGuid().ToString();
            Capture(new CapturedMessage
            {
                Protocol = "sms", Endpoint = request.PhoneNumber, MessageId = id, Message = Pick(direct, "sms"), Subject = direct.Subject,
                Timestamp = Timestamp(), Account = context.AccountId, Region = context.Region,
            });
            return new PublishResponse { MessageId = id };
        }
        var arn = request.TopicArn ?? request.TargetArn;
        if (arn is null)
        {
            throw new InvalidParameterException("Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter");
        }
        if (request.TopicArn is not null && request.TargetArn is not null)
        {
            throw new InvalidParameterException("Invalid parameter: TopicArn Reason: Only one of TopicArn or TargetArn may be set");
        }
        var topic = FindTopic(context, arn, request.TopicArn is null ? "TargetArn" : "TopicArn");
        var outgoing = Validate(topic, null, request.Message, request.Subject, request.MessageStructure, request.MessageAttributes,
            request.MessageGroupId, request.MessageDeduplicationId);
        Authorize(context, topic, "Publish");
        var results = await PublishAllAsync(context, topic, [outgoing], cancellationToken);
        return new PublishResponse { MessageId = results[0].MessageId, SequenceNumber = results[0].Sequence };
    }

    public override async ValueTask<PublishBatchResponse> PublishBatchAsync(RequestContext context, PublishBatchInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        var entries = request.PublishBatchRequestEntries ?? [];
        if (entries.Count == 0)
        {
            throw new EmptyBatchRequestException("The batch request doesn't contain any entries.");
        }
        if (entries.Count > 10)
        {
            throw new TooManyEntriesInBatchRequestException("The batch request contains more entries than permissible.");
        }
        if (entries.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count() != entries.Count)
        {
            throw new BatchEntryIdsNotDistinctException("Two or more batch entries in the request have the same Id.");
        }
        foreach (var e in entries)
        {
            var id = e.Id ?? "";
            if (id.Length is 0 or > 80 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                throw new InvalidBatchEntryIdException("The Id of a batch entry in a batch request doesn't abide by the specification.");
            }
        }
        var total = entries.Sum(e => Encoding.UTF8.GetByteCount(e.Message ?? "") + AttributesSize(e.MessageAttributes));
        if (total > MaxMessageBytes)
        {
            throw new BatchRequestTooLongException("The length of all the messages put together is more than the limit.");
        }
        Authorize(context, topic, "Publish");
        var failed = new List<BatchResultErrorEntry>();
        var accepted = new List<Outgoing>();
        foreach (var e in entries)
        {
            try
            {
                accepted.Add(Validate(topic, e.Id, e.Message, e.Subject, e.MessageStructure, e.MessageAttributes, e.MessageGroupId, e.MessageDeduplicationId));
            }
            catch (AwsServiceException error) when (error is InvalidParameterValueException)
            {
                failed.Add(new BatchResultErrorEntry { Id = e.Id, Code = "InvalidParameterValue", Message = error.Message, SenderFault = true });
            }
            catch (InvalidParameterException error)
            {
                failed.Add(new BatchResultErrorEntry { Id = e.Id, Code = "InvalidParameter", Message = error.Message, SenderFault = true });
            }
        }
        var results = accepted.Count > 0 ? await PublishAllAsync(context, topic, accepted, cancellationToken) : [];
        return new PublishBatchResponse
        {
            Successful = results.Select((r, i) => new PublishBatchResultEntry { Id = accepted[i].EntryId, MessageId = r.MessageId, SequenceNumber = r.Sequence }).ToList(),
            Failed = failed,
        };
    }

    /// <summary>Assigns ids (and FIFO sequence numbers / dedup), then delivers each message to every matching subscription.</summary>
    private async Task<List<(string MessageId, string? Sequence)>> PublishAllAsync(RequestContext context, TopicRecord topic, List<Outgoing> messages, CancellationToken cancellationToken)
    {
        var results = new List<(string, string?)>();
        SemaphoreSlim? gate = null;
        if (topic.IsFifo)
        {
            gate = _fifoGates.GetOrAdd(topic.Key, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken);
        }
        try
        {
            var subs = SubscriptionsOf(topic).Where(s => s.Confirmed).ToList();
            foreach (var m in messages)
            {
                var now = NowMs;
                if (topic.IsFifo)
                {
                    var key = topic.Key + "/" + m.DedupId;
                    if (_dedup.TryGetValue(key, out var seen) && seen.ExpiresMs > now)
                    {
                        results.Add((seen.MessageId, seen.Sequence));
                        continue;
                    }
                    var seq = Interlocked.Increment(ref _sequence);
                    var sequence = (Math.Max(now, 1) * 1_000_000L % 10_000_000_000_000_000_000m + seq).ToString("00000000000000000000", CultureInfo.InvariantCulture);
                    var id = Guid.NewGuid().ToString();
                    _dedup[key] = (id, sequence, now + DedupWindowMs);
                    await DeliverAsync(context, topic, subs, m, id, sequence);
                    results.Add((id, sequence));
                }
                else
                {
                    var id = Guid.NewGuid().ToString();
                    await DeliverAsync(context, topic, subs, m, id, null);
                    results.Add((id, null));
                }
            }
            if (_dedup.Count > 10_000)
            {
                var now = NowMs;
                foreach (var (k, v) in _dedup)
                {
                    if (v.ExpiresMs <= now)
                    {
                        _dedup.TryRemove(k, out _);
                    }
                }
            }
        }
        finally
        {
            gate?.Release();
        }
        return results;
    }

    private static string Pick(Outgoing m, string protocol) =>
        m.Structured is null ? m.Message : m.Structured.TryGetValue(protocol, out var specific) ? specific : m.Structured["default"];

    private string Timestamp() => _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool Passes(SubscriptionRecord sub, Outgoing m)
    {
        if (!sub.Attributes.TryGetValue("FilterPolicy", out var json) || json.Length == 0)
        {
            return true;
        }
        var scope = sub.Attributes.GetValueOrDefault("FilterPolicyScope", FilterPolicy.AttributesScope);
        FilterPolicy policy;
        try
        {
            policy = FilterPolicy.Parse(json, scope, subscribeCall: false);
        }
        catch (AwsServiceException)
        {
            return false;
        }
        if (policy.IsEmpty)
        {
            return true;
        }
        if (scope == FilterPolicy.BodyScope)
        {
            var lookup = FilterPolicy.BodyLookup(Pick(m, sub.Protocol));
            return lookup is not null && policy.Matches(lookup);
        }
        return policy.Matches(FilterPolicy.AttributeLookup(m.Attributes));
    }

    private async Task DeliverAsync(RequestContext context, TopicRecord topic, List<SubscriptionRecord> subs, Outgoing m, string messageId, string? sequence)
    {
        var timestamp = Timestamp();
        var tasks = new List<Task>();
        foreach (var sub in subs)
        {
            if (!Passes(sub, m))
            {
                continue;
            }
            var raw = sub.Attributes.GetValueOrDefault("RawMessageDelivery") == "true";
            var body = Pick(m, sub.Protocol);
            switch (sub.Protocol)
            {
                case "sqs":
                {
                    var payload = raw ? body : await EnvelopeAsync(context.BaseUrl, topic, sub, "Notification", messageId, sequence, body, m.Subject, timestamp, m.Attributes);
                    tasks.Add(SendToSqsAsync(context, topic, sub, payload, raw ? m.Attributes : null, m.GroupId, m.DedupId));
                    break;
                }
                case "http" or "https":
                {
                    var payload = raw ? body : await EnvelopeAsync(context.BaseUrl, topic, sub, "Notification", messageId, sequence, body, m.Subject, timestamp, m.Attributes);
                    _ = Task.Run(() => PostWithRetriesAsync(topic, sub, "Notification", messageId, payload));
                    break;
                }
                default:
                {
                    var payload = sub.Protocol is "email-json" or "lambda" or "firehose" && !raw
                        ? await EnvelopeAsync(context.BaseUrl, topic, sub, "Notification", messageId, sequence, body, m.Subject, timestamp, m.Attributes)
                        : body;
                    Capture(new CapturedMessage
                    {
                        SubscriptionArn = sub.Arn, TopicArn = topic.Arn, Protocol = sub.Protocol, Endpoint = sub.Endpoint, MessageId = messageId,
                        Subject = m.Subject, Message = payload, Timestamp = timestamp, Account = topic.Account, Region = topic.Region,
                        MessageAttributes = m.Attributes?.ToDictionary(a => a.Key, a => a.Value.StringValue ?? Convert.ToBase64String(a.Value.BinaryValue ?? []), StringComparer.Ordinal),
                    });
                    if (sub.Protocol == "lambda")
                    {
                        tasks.Add(InvokeLambdaAsync(context, sub, payload));
                    }
                    break;
                }
            }
        }
        await Task.WhenAll(tasks);
    }

    /// <summary>
    /// A lambda subscription: Lambda's SNS event (the notification envelope reshaped into Records[0].Sns)
    /// through Lambda's Invoke with InvocationType Event, as SNS does.
    /// </summary>
    private async Task InvokeLambdaAsync(RequestContext context, SubscriptionRecord sub, string envelope)
    {
        try
        {
            var parts = sub.Endpoint.Split(':');
            var (region, account) = (parts[3], parts[4]);
            var request = new Lambda.InvocationRequest
            {
                FunctionName = sub.Endpoint,
                InvocationType = "Event",
                Payload = LambdaEvent(sub.Arn, envelope),
            };
            await _services.InvokeAsync(new ServiceCall("lambda", "Invoke", request.ToTree(), account, region,
                ServiceCall.ServicePrincipal("sns.amazonaws.com", account), context.BaseUrl), CancellationToken.None);
        }
        catch (Exception)
        {
            // the function is gone or refused the event: SNS drops it after its retries
        }
    }

    internal static byte[] LambdaEvent(string subscriptionArn, string envelope)
    {
        using var doc = JsonDocument.Parse(envelope);
        var e = doc.RootElement;
        string? Str(string name) => e.TryGetProperty(name, out var v) ? v.GetString() : null;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, EnvelopeJson))
        {
            w.WriteStartObject();
            w.WriteStartArray("Records");
            w.WriteStartObject();
            w.WriteString("EventSource", "aws:sns");
            w.WriteString("EventVersion", "1.0");
            w.WriteString("EventSubscriptionArn", subscriptionArn);
            w.WriteStartObject("Sns");
            w.WriteString("Type", Str("Type"));
            w.WriteString("MessageId", Str("MessageId"));
            if (Str("SequenceNumber") is { } seq)
            {
                w.WriteString("SequenceNumber", seq);
            }
            w.WriteString("TopicArn", Str("TopicArn"));
            w.WriteString("Subject", Str("Subject"));
            w.WriteString("Message", Str("Message"));
            w.WriteString("Timestamp", Str("Timestamp"));
            w.WriteString("SignatureVersion", Str("SignatureVersion"));
            w.WriteString("Signature", Str("Signature"));
            w.WriteString("SigningCertUrl", Str("SigningCertURL"));
            w.WriteString("UnsubscribeUrl", Str("UnsubscribeURL"));
            w.WritePropertyName("MessageAttributes");
            if (e.TryGetProperty("MessageAttributes", out var attributes))
            {
                attributes.WriteTo(w);
            }
            else
            {
                w.WriteStartObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private async Task SendToSqsAsync(RequestContext context, TopicRecord topic, SubscriptionRecord sub, string body,
        Dictionary<string, MessageAttributeValue>? attributes, string? groupId, string? dedupId)
    {
        try
        {
            await SendToQueueAsync(context, sub.Endpoint, body, attributes, groupId, dedupId);
        }
        catch (Exception) when (sub.Attributes.TryGetValue("RedrivePolicy", out var redrive) && redrive.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(redrive);
                var dlq = doc.RootElement.GetProperty("deadLetterTargetArn").GetString()!;
                await SendToQueueAsync(context, dlq, body, attributes, groupId, dedupId);
            }
            catch (Exception)
            {
                // the DLQ is gone too: the message is dropped, as in AWS
            }
        }
        catch (Exception)
        {
            // undeliverable without a DLQ: dropped, as in AWS
        }
        _ = topic;
    }

    private async Task SendToQueueAsync(RequestContext context, string queueArn, string body,
        Dictionary<string, MessageAttributeValue>? attributes, string? groupId, string? dedupId)
    {
        var parts = queueArn.Split(':');
        var (region, account, name) = (parts[3], parts[4], parts[5]);
        var fifoQueue = name.EndsWith(".fifo", StringComparison.Ordinal);
        var request = new Sqs.SendMessageRequest
        {
            QueueUrl = $"{context.BaseUrl}/{account}/{name}",
            MessageBody = body,
            MessageGroupId = fifoQueue ? groupId : null,
            MessageDeduplicationId = fifoQueue ? dedupId : null,
            MessageAttributes = attributes?.ToDictionary(a => a.Key, a => new Sqs.MessageAttributeValue
            {
                DataType = a.Value.DataType,
                StringValue = a.Value.StringValue,
                BinaryValue = a.Value.BinaryValue,
            }, StringComparer.Ordinal),
        };
        await _services.InvokeAsync(new ServiceCall("sqs", "SendMessage", request.ToTree(), account, region,
            ServiceCall.ServicePrincipal("sns.amazonaws.com", account), context.BaseUrl), CancellationToken.None);
    }

    // ---------------------------------------------------------------- envelopes and signatures

    private string UnsubscribeUrl(string baseUrl, SubscriptionRecord sub) =>
        $"{baseUrl}/_gureum/sns/?Action=Unsubscribe&SubscriptionArn={Uri.EscapeDataString(sub.Arn)}";

    private async Task<string> CertUrlAsync(string baseUrl)
    {
        await _signer.PemAsync();
        return $"{baseUrl}/_gureum/sns/{_signer.CertificateName}";
    }

    /// <summary>AWS's JSON envelope, signed over AWS's string to sign.</summary>
    private async Task<string> EnvelopeAsync(string baseUrl, TopicRecord topic, SubscriptionRecord sub, string type, string messageId,
        string? sequence, string message, string? subject, string timestamp, Dictionary<string, MessageAttributeValue>? attributes,
        string? token = null, string? subscribeUrl = null)
    {
        var version = topic.Attributes.GetValueOrDefault("SignatureVersion", "1");
        var signature = type == "Notification"
            ? await _signer.SignAsync(version, [("Message", message), ("MessageId", messageId), ("Subject", subject), ("Timestamp", timestamp), ("TopicArn", topic.Arn), ("Type", type)])
            : await _signer.SignAsync(version, [("Message", message), ("MessageId", messageId), ("SubscribeURL", subscribeUrl), ("Timestamp", timestamp), ("Token", token), ("TopicArn", topic.Arn), ("Type", type)]);
        var certUrl = await CertUrlAsync(baseUrl);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, EnvelopeJson))
        {
            w.WriteStartObject();
            w.WriteString("Type", type);
            w.WriteString("MessageId", messageId);
            if (sequence is not null)
            {
                w.WriteString("SequenceNumber", sequence);
            }
            if (token is not null)
            {
                w.WriteString("Token", token);
            }
            w.WriteString("TopicArn", topic.Arn);
            if (subject is not null)
            {
                w.WriteString("Subject", subject);
            }
            w.WriteString("Message", message);
            if (subscribeUrl is not null)
            {
                w.WriteString("SubscribeURL", subscribeUrl);
            }
            w.WriteString("Timestamp", timestamp);
            w.WriteString("SignatureVersion", version);
            w.WriteString("Signature", signature);
            w.WriteString("SigningCertURL", certUrl);
            if (type == "Notification")
            {
                w.WriteString("UnsubscribeURL", UnsubscribeUrl(baseUrl, sub));
            }
            if (attributes is { Count: > 0 })
            {
                w.WriteStartObject("MessageAttributes");
                foreach (var (name, a) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
                {
                    w.WriteStartObject(name);
                    w.WriteString("Type", a.DataType);
                    w.WriteString("Value", a.BinaryValue is not null ? Convert.ToBase64String(a.BinaryValue) : a.StringValue);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private async Task SendConfirmationAsync(string baseUrl, TopicRecord topic, SubscriptionRecord sub)
    {
        var subscribeUrl = $"{baseUrl}/_gureum/sns/?Action=ConfirmSubscription&TopicArn={Uri.EscapeDataString(topic.Arn)}&Token={sub.Token}";
        var message = $"You have chosen to subscribe to the topic {topic.Arn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.";
        var messageId = Guid.NewGuid().ToString();
        var timestamp = Timestamp();
        var payload = await EnvelopeAsync(baseUrl, topic, sub, "SubscriptionConfirmation", messageId, null, message, null, timestamp, null, sub.Token, subscribeUrl);
        if (sub.Protocol is "http" or "https")
        {
            _ = Task.Run(() => PostWithRetriesAsync(topic, sub, "SubscriptionConfirmation", messageId, payload));
            return;
        }
        Capture(new CapturedMessage
        {
            SubscriptionArn = sub.Arn, TopicArn = topic.Arn, Protocol = sub.Protocol, Endpoint = sub.Endpoint, MessageId = messageId,
            Message = payload, Timestamp = timestamp, Account = topic.Account, Region = topic.Region,
        });
    }

    /// <summary>POSTs to an http(s) endpoint; retries per the (effective) delivery policy's healthy retry policy.</summary>
    private async Task PostWithRetriesAsync(TopicRecord topic, SubscriptionRecord sub, string type, string messageId, string payload)
    {
        var (retries, delaySeconds) = RetryPolicy(sub, topic);
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, sub.Endpoint);
                request.Content = new StringContent(payload, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain; charset=UTF-8");
                request.Headers.TryAddWithoutValidation("x-amz-sns-message-type", type);
                request.Headers.TryAddWithoutValidation("x-amz-sns-message-id", messageId);
                request.Headers.TryAddWithoutValidation("x-amz-sns-topic-arn", topic.Arn);
                if (type == "Notification")
                {
                    request.Headers.TryAddWithoutValidation("x-amz-sns-subscription-arn", sub.Arn);
                }
                if (sub.Attributes.GetValueOrDefault("RawMessageDelivery") == "true")
                {
                    request.Headers.TryAddWithoutValidation("x-amz-sns-rawdelivery", "true");
                }
                request.Headers.TryAddWithoutValidation("User-Agent", "Amazon Simple Notification Service Agent");
                using var response = await Http.SendAsync(request);
                var status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                {
                    return;
                }
                if (status is >= 400 and < 500 && status != 429)
                {
                    return; // AWS does not retry client errors other than throttling
                }
            }
            catch (Exception)
            {
                // connection failures are retried
            }
            if (attempt < retries)
            {
                await Task.Delay(TimeSpan.FromSeconds(delaySeconds), _clock);
            }
        }
    }

    private static (int Retries, int DelaySeconds) RetryPolicy(SubscriptionRecord sub, TopicRecord topic)
    {
        var json = sub.Attributes.TryGetValue("DeliveryPolicy", out var own) && own.Length > 0 ? own : EffectiveDeliveryPolicy(topic);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.TryGetProperty("http", out var http))
            {
                root = http;
            }
            var policy = root.TryGetProperty("healthyRetryPolicy", out var h) ? h
                : root.TryGetProperty("defaultHealthyRetryPolicy", out var d) ? d : default;
            if (policy.ValueKind == JsonValueKind.Object)
            {
                var retries = policy.TryGetProperty("numRetries", out var r) ? r.GetInt32() : 3;
                var delay = policy.TryGetProperty("minDelayTarget", out var m) ? m.GetInt32() : 20;
                return (Math.Clamp(retries, 0, 100), Math.Clamp(delay, 0, 3600));
            }
        }
        catch (Exception)
        {
            // fall back to AWS's defaults
        }
        return (3, 20);
    }

    // ---------------------------------------------------------------- captured messages and Gureum's SNS endpoints

    private void Capture(CapturedMessage message)
    {
        lock (_captured)
        {
            _captured.Add(message);
            if (_captured.Count > 10_000)
            {
                _captured.RemoveAt(0);
            }
        }
    }

    /// <summary>
    /// Gureum's own SNS endpoints under /_gureum/sns/: the signing certificate, SubscribeURL and UnsubscribeURL
    /// (<c>?Action=ConfirmSubscription|Unsubscribe</c>, answering SNS's XML), and captured messages
    /// (<c>messages?topicArn=&amp;protocol=&amp;endpoint=</c>).
    /// </summary>
    public async Task<(int Status, string ContentType, string Body)> HandleInternalAsync(string path, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var name = path.TrimEnd('/');
        name = name.Length > "/_gureum/sns".Length ? name["/_gureum/sns/".Length..] : "";
        var requestId = Guid.NewGuid().ToString();
        if (name.EndsWith(".pem", StringComparison.Ordinal))
        {
            return (200, "application/x-pem-file", await _signer.PemAsync());
        }
        if (name == "messages")
        {
            List<CapturedMessage> list;
            lock (_captured)
            {
                list = _captured.Where(c =>
                    (!query.TryGetValue("topicArn", out var t) || c.TopicArn == t)
                    && (!query.TryGetValue("protocol", out var p) || c.Protocol == p)
                    && (!query.TryGetValue("endpoint", out var e) || c.Endpoint == e)).ToList();
            }
            return (200, "application/json", "{\"messages\":" + JsonSerializer.Serialize(list, SnsJson.Default.ListCapturedMessage) + "}");
        }
        var action = query.GetValueOrDefault("Action");
        try
        {
            if (action == "ConfirmSubscription")
            {
                var (account, region, topicName) = ParseTopicArn(query.GetValueOrDefault("TopicArn"), "Topic");
                if (!_topics.TryGetValue(SnsKeys.Topic(account, region, topicName), out var topic))
                {
                    throw new NotFoundException("Topic does not exist");
                }
                var arn = await ConfirmCoreAsync(topic, query.GetValueOrDefault("Token"), false, cancellationToken);
                return (200, "text/xml", $"<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ConfirmSubscriptionResult><SubscriptionArn>{System.Security.SecurityElement.Escape(arn)}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>");
            }
            if (action == "Unsubscribe")
            {
                if (_subscriptions.TryGetValue(query.GetValueOrDefault("SubscriptionArn") ?? "", out var sub))
                {
                    await UnsubscribeCoreAsync(sub, cancellationToken);
                }
                return (200, "text/xml", $"<UnsubscribeResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><ResponseMetadata><RequestId>{requestId}</RequestId></ResponseMetadata></UnsubscribeResponse>");
            }
        }
        catch (AwsServiceException e)
        {
            var code = e is NotFoundException ? "NotFound" : e is InvalidParameterException ? "InvalidParameter" : e.Code;
            return (e.HttpStatus, "text/xml", $"<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{System.Security.SecurityElement.Escape(e.Message)}</Message></Error><RequestId>{requestId}</RequestId></ErrorResponse>");
        }
        return (404, "application/json", "{\"error\":\"NotFound\",\"message\":\"Known: GET /_gureum/sns/messages, /_gureum/sns/<cert>.pem, /_gureum/sns/?Action=ConfirmSubscription|Unsubscribe\"}");
    }
}
