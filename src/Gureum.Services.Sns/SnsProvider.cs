using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Gureum.Api.Sns;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sns;

/// <summary>
/// Amazon SNS: standard and FIFO topics, attributes, tags, topic policies, subscriptions for every
/// protocol, filter policies, Publish/PublishBatch with fan-out to SQS through SQS's public API,
/// HTTP(S) delivery with the confirmation handshake, and captured messages for email/sms/application/firehose.
/// Topics and subscriptions live in the state store (committed before the answer); an in-memory index
/// is rebuilt at start-up.
/// </summary>
#pragma warning disable CA1001 // lives as long as the process
public sealed partial class SnsProvider : SnsServiceBase, IResettable
#pragma warning restore CA1001
{
    private readonly IStateStore _state;
    private readonly TimeProvider _clock;
    private readonly IServiceClient _services;
    private readonly Signer _signer;
    private readonly ConcurrentDictionary<string, TopicRecord> _topics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SubscriptionRecord> _subscriptions = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Lazy<Task> _loaded;

    private static readonly string[] FeedbackProtocols = ["Application", "Firehose", "HTTP", "Lambda", "SQS"];

    private static readonly HashSet<string> SettableTopicAttributes = new(
        new[] { "DeliveryPolicy", "DisplayName", "Policy", "TracingConfig", "KmsMasterKeyId", "SignatureVersion",
            "ContentBasedDeduplication", "FifoThroughputScope", "ArchivePolicy", "DataProtectionPolicy" }
        .Concat(FeedbackProtocols.SelectMany(p => new[] { p + "SuccessFeedbackRoleArn", p + "SuccessFeedbackSampleRate", p + "FailureFeedbackRoleArn" })),
        StringComparer.Ordinal);

    private static readonly HashSet<string> SubscriptionAttributeNames = new(StringComparer.Ordinal)
    {
        "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn", "ReplayPolicy",
    };

    private static readonly HashSet<string> Protocols = new(StringComparer.Ordinal)
    {
        "http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose",
    };

    public SnsProvider(IStateStore state, TimeProvider clock, IServiceClient services)
    {
        _state = state;
        _clock = clock;
        _services = services;
        _signer = new Signer(state);
        _loaded = new Lazy<Task>(LoadAsync, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _topics.Clear();
            _subscriptions.Clear();
            _dedup.Clear();
            lock (_captured)
            {
                _captured.Clear();
            }
            _signer.Reset();
            _loaded = new Lazy<Task>(LoadAsync, LazyThreadSafetyMode.ExecutionAndPublication);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoadAsync()
    {
        await foreach (var (_, value) in _state.ScanAsync(SnsKeys.Topics, ScanRange.All))
        {
            var topic = JsonSerializer.Deserialize(value, SnsJson.Default.TopicRecord)!;
            _topics[topic.Key] = topic;
        }
        await foreach (var (_, value) in _state.ScanAsync(SnsKeys.Subscriptions, ScanRange.All))
        {
            var sub = JsonSerializer.Deserialize(value, SnsJson.Default.SubscriptionRecord)!;
            _subscriptions[sub.Arn] = sub;
        }
    }

    private Task EnsureLoadedAsync() => _loaded.Value;

    private static Task Commit(IStateStore state, WriteBatch batch) => state.CommitAsync(batch, CancellationToken.None).AsTask();

    // ---------------------------------------------------------------- addressing

    /// <summary>(account, region, name) of a topic ARN; InvalidParameter when malformed.</summary>
    private static (string Account, string Region, string Name) ParseTopicArn(string? arn, string parameter = "TopicArn")
    {
        var parts = (arn ?? "").Split(':');
        if (parts.Length < 6)
        {
            throw new InvalidParameterException($"Invalid parameter: {parameter} Reason: An ARN must have at least 6 elements, not {parts.Length}");
        }
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].Length == 0)
        {
            throw new InvalidParameterException($"Invalid parameter: {parameter}");
        }
        return (parts[4], parts[3], parts[5]);
    }

    private TopicRecord FindTopic(RequestContext context, string? arn, string parameter = "TopicArn")
    {
        var (account, region, name) = ParseTopicArn(arn, parameter);
        if (region != context.Region || !_topics.TryGetValue(SnsKeys.Topic(account, region, name), out var topic))
        {
            throw new NotFoundException("Topic does not exist");
        }
        return topic;
    }

    private SubscriptionRecord FindSubscription(string? arn)
    {
        var parts = (arn ?? "").Split(':');
        if (parts.Length != 7 || parts[0] != "arn" || parts[2] != "sns")
        {
            throw new InvalidParameterException("Invalid parameter: SubscriptionArn");
        }
        return _subscriptions.TryGetValue(arn!, out var sub) ? sub : throw new NotFoundException("Subscription does not exist");
    }

    private IEnumerable<SubscriptionRecord> SubscriptionsOf(TopicRecord topic) =>
        _subscriptions.Values.Where(s => s.TopicKey == topic.Key).OrderBy(s => s.CreatedMs).ThenBy(s => s.Arn, StringComparer.Ordinal);

    // ---------------------------------------------------------------- authorization (topic policy, cross-account)

    /// <summary>Same-account callers pass (identity policies are IAM's job); other accounts need the topic policy's Allow.</summary>
    private static void Authorize(RequestContext context, TopicRecord topic, string action)
    {
        if (context.Caller.AccountId == topic.Account || context.Caller.Type == "AWSService")
        {
            return;
        }
        if (!TopicPolicy.Allows(PolicyOf(topic), action, context.Caller, topic.Arn))
        {
            throw new AuthorizationErrorException($"User: {context.Caller.Arn} is not authorized to perform: SNS:{action} on resource: {topic.Arn}");
        }
    }

    private static string PolicyOf(TopicRecord topic) =>
        topic.Attributes.TryGetValue("Policy", out var policy) ? policy : TopicPolicy.Default(topic.Arn, topic.Account);

    // ---------------------------------------------------------------- topics

    public override async ValueTask<CreateTopicResponse> CreateTopicAsync(RequestContext context, CreateTopicInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var name = request.Name ?? "";
        var given = request.Attributes ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var fifoRequested = given.TryGetValue("FifoTopic", out var fifoValue) && string.Equals(fifoValue, "true", StringComparison.OrdinalIgnoreCase);
        ValidateTopicName(name, fifoRequested);
        var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        var arn = $"arn:aws:sns:{context.Region}:{context.AccountId}:{name}";

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (attribute, value) in given)
        {
            if (attribute == "FifoTopic")
            {
                if (fifo)
                {
                    attributes["FifoTopic"] = "true";
                }
                continue;
            }
            attributes[attribute] = ValidateTopicAttribute(attribute, value, fifo, "Invalid parameter: Attributes Reason: ");
        }
        var tags = ValidateTags(request.Tags);

        var key = SnsKeys.Topic(context.AccountId, context.Region, name);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_topics.TryGetValue(key, out var existing))
            {
                foreach (var (attribute, value) in attributes)
                {
                    if (!existing.Attributes.TryGetValue(attribute, out var have) || have != value)
                    {
                        if (attribute == "ContentBasedDeduplication" && value == "false" && !existing.Attributes.ContainsKey(attribute))
                        {
                            continue;
                        }
                        throw new InvalidParameterException("Invalid parameter: Attributes Reason: Topic already exists with different attributes");
                    }
                }
                if (tags.Count > 0 && tags.Any(t => !existing.Tags.Contains(t)))
                {
                    throw new InvalidParameterException("Invalid parameter: Tags Reason: Topic already exists with different tags");
                }
                return new CreateTopicResponse { TopicArn = existing.Arn };
            }
            if (fifo)
            {
                attributes["FifoTopic"] = "true";
                attributes.TryAdd("ContentBasedDeduplication", "false");
            }
            var topic = new TopicRecord
            {
                Account = context.AccountId,
                Region = context.Region,
                Name = name,
                Attributes = attributes,
                Tags = tags,
                CreatedMs = NowMs,
            };
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, key, SnsJson.Bytes(topic)));
            _topics[key] = topic;
            return new CreateTopicResponse { TopicArn = arn };
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void ValidateTopicName(string name, bool fifoRequested)
    {
        var fifo = name.EndsWith(".fifo", StringComparison.Ordinal);
        var stem = fifo ? name[..^5] : name;
        var valid = name.Length is >= 1 and <= 256 && stem.Length > 0 && stem.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
        if (fifoRequested && (!fifo || !valid))
        {
            throw new InvalidParameterException(
                "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.");
        }
        if (!valid || (fifo && !fifoRequested))
        {
            throw new InvalidParameterException("Invalid parameter: Topic Name");
        }
    }

    /// <summary>Checks one settable topic attribute and answers its stored form.</summary>
    private static string ValidateTopicAttribute(string attribute, string? value, bool fifo, string prefix)
    {
        value ??= "";
        if (!SettableTopicAttributes.Contains(attribute))
        {
            throw new InvalidParameterException($"{prefix}AttributeName");
        }
        switch (attribute)
        {
            case "ContentBasedDeduplication":
                if (!fifo)
                {
                    throw new InvalidParameterException($"{prefix}ContentBasedDeduplication Reason: Content based deduplication can only be set for FIFO topics");
                }
                if (!bool.TryParse(value, out var cbd))
                {
                    throw new InvalidParameterException($"{prefix}ContentBasedDeduplication Reason: Invalid value [{value}] for ContentBasedDeduplication. Valid values are true, false");
                }
                return cbd ? "true" : "false";
            case "FifoThroughputScope":
                if (!fifo)
                {
                    throw new InvalidParameterException($"{prefix}FifoThroughputScope Reason: FifoThroughputScope can only be set for FIFO topics");
                }
                if (value is not ("Topic" or "MessageGroup"))
                {
                    throw new InvalidParameterException($"{prefix}FifoThroughputScope Reason: Invalid value [{value}] for FifoThroughputScope. Valid values are Topic, MessageGroup");
                }
                return value;
            case "SignatureVersion":
                if (value is not ("1" or "2"))
                {
                    throw new InvalidParameterException($"{prefix}SignatureVersion Reason: must be one of: 1, 2");
                }
                return value;
            case "TracingConfig":
                if (value is not ("PassThrough" or "Active"))
                {
                    throw new InvalidParameterException($"{prefix}TracingConfig Reason: must be one of: PassThrough, Active");
                }
                return value;
            case "DisplayName":
                if (value.Length > 100)
                {
                    throw new InvalidParameterException($"{prefix}DisplayName Reason: DisplayName must be at most 100 characters long");
                }
                return value;
            case "Policy":
                return TopicPolicy.Validate(value, prefix);
            case "DeliveryPolicy":
            case "ArchivePolicy":
            case "DataProtectionPolicy":
                if (value.Length > 0)
                {
                    try
                    {
                        using var doc = JsonDocument.Parse(value);
                        if (doc.RootElement.ValueKind != JsonValueKind.Object)
                        {
                            throw new InvalidParameterException($"{prefix}{attribute}: failed to parse JSON.");
                        }
                    }
                    catch (JsonException)
                    {
                        throw new InvalidParameterException($"{prefix}{attribute}: failed to parse JSON.");
                    }
                }
                return value;
            default:
                return value;
        }
    }

    public override async ValueTask<GetTopicAttributesResponse> GetTopicAttributesAsync(RequestContext context, GetTopicAttributesInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        Authorize(context, topic, "GetTopicAttributes");
        var subs = SubscriptionsOf(topic).ToList();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Policy"] = PolicyOf(topic),
            ["Owner"] = topic.Account,
            ["SubscriptionsPending"] = subs.Count(s => !s.Confirmed).ToString(CultureInfo.InvariantCulture),
            ["TopicArn"] = topic.Arn,
            ["EffectiveDeliveryPolicy"] = EffectiveDeliveryPolicy(topic),
            ["SubscriptionsConfirmed"] = subs.Count(s => s.Confirmed).ToString(CultureInfo.InvariantCulture),
            ["DisplayName"] = topic.Attributes.GetValueOrDefault("DisplayName", ""),
            ["SubscriptionsDeleted"] = topic.SubscriptionsDeleted.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in topic.Attributes)
        {
            attributes.TryAdd(name, value);
        }
        return new GetTopicAttributesResponse { Attributes = attributes };
    }

    private const string DefaultEffectiveDeliveryPolicy =
        "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,\"numRetries\":3,\"numMaxDelayRetries\":0,\"numNoDelayRetries\":0,\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},\"disableSubscriptionOverrides\":false,\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}";

    private static string EffectiveDeliveryPolicy(TopicRecord topic) =>
        topic.Attributes.TryGetValue("DeliveryPolicy", out var p) && p.Length > 0 ? p : DefaultEffectiveDeliveryPolicy;

    public override async ValueTask<Empty> SetTopicAttributesAsync(RequestContext context, SetTopicAttributesInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        Authorize(context, topic, "SetTopicAttributes");
        var name = request.AttributeName ?? "";
        var value = ValidateTopicAttribute(name, request.AttributeValue, topic.IsFifo, "Invalid parameter: ");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (value.Length == 0 && name is "Policy" or "DeliveryPolicy" or "KmsMasterKeyId" or "ArchivePolicy" or "DataProtectionPolicy")
            {
                topic.Attributes.Remove(name);
            }
            else
            {
                topic.Attributes[name] = value;
            }
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic)));
        }
        finally
        {
            _gate.Release();
        }
        return Empty.Instance;
    }

    public override async ValueTask<ListTopicsResponse> ListTopicsAsync(RequestContext context, ListTopicsInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var prefix = $"{context.AccountId}/{context.Region}/";
        var all = _topics.Values.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var (page, next) = Paginate(all, t => t.Key, request.NextToken, 100);
        return new ListTopicsResponse { Topics = page.Select(t => new Topic { TopicArn = t.Arn }).ToList(), NextToken = next };
    }

    /// <summary>A page of <paramref name="items"/> starting after the key encoded in the token; InvalidParameter for a bad token.</summary>
    private static (List<T> Page, string? Next) Paginate<T>(List<T> items, Func<T, string> key, string? token, int size)
    {
        var start = 0;
        if (!string.IsNullOrEmpty(token))
        {
            string after;
            try
            {
                after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new InvalidParameterException("Invalid parameter: NextToken");
            }
            start = items.FindIndex(i => string.CompareOrdinal(key(i), after) > 0);
            if (start < 0)
            {
                start = items.Count;
            }
        }
        var page = items.Skip(start).Take(size).ToList();
        var next = start + size < items.Count ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(key(page[^1]))) : null;
        return (page, next);
    }

    public override async ValueTask<Empty> DeleteTopicAsync(RequestContext context, DeleteTopicInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var (account, region, name) = ParseTopicArn(request.TopicArn);
        if (region != context.Region || !_topics.TryGetValue(SnsKeys.Topic(account, region, name), out var topic))
        {
            return Empty.Instance; // "deleting a topic that does not exist does not result in an error"
        }
        Authorize(context, topic, "DeleteTopic");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var batch = new WriteBatch().Delete(SnsKeys.Topics, topic.Key);
            var subs = SubscriptionsOf(topic).ToList();
            foreach (var sub in subs)
            {
                batch.Delete(SnsKeys.Subscriptions, SnsKeys.Subscription(topic.Key, sub.Id));
            }
            await Commit(_state, batch);
            _topics.TryRemove(topic.Key, out _);
            foreach (var sub in subs)
            {
                _subscriptions.TryRemove(sub.Arn, out _);
            }
        }
        finally
        {
            _gate.Release();
        }
        return Empty.Instance;
    }

    // ---------------------------------------------------------------- permissions

    public override async ValueTask<Empty> AddPermissionAsync(RequestContext context, AddPermissionInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        Authorize(context, topic, "AddPermission");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var policy = TopicPolicy.AddStatement(PolicyOf(topic), request.Label ?? "", topic.Arn,
                request.AWSAccountId ?? [], request.ActionName ?? []);
            topic.Attributes["Policy"] = policy;
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic)));
        }
        finally
        {
            _gate.Release();
        }
        return Empty.Instance;
    }

    public override async ValueTask<Empty> RemovePermissionAsync(RequestContext context, RemovePermissionInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        Authorize(context, topic, "RemovePermission");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            topic.Attributes["Policy"] = TopicPolicy.RemoveStatement(PolicyOf(topic), request.Label ?? "");
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic)));
        }
        finally
        {
            _gate.Release();
        }
        return Empty.Instance;
    }

    // ---------------------------------------------------------------- tags

    private static List<KeyValuePair<string, string>> ValidateTags(List<Tag>? tags)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (tags is null)
        {
            return result;
        }
        if (tags.Select(t => t.Key).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw new InvalidParameterException("Invalid parameter: Duplicated keys are not allowed.");
        }
        foreach (var tag in tags)
        {
            var key = tag.Key ?? "";
            var value = tag.Value ?? "";
            if (key.Length is < 1 or > 128)
            {
                throw new InvalidParameterException("Invalid parameter: Tags Reason: Tag key must be between 1 and 128 characters");
            }
            if (value.Length > 256)
            {
                throw new InvalidParameterException("Invalid parameter: Tags Reason: Tag value must be at most 256 characters");
            }
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidParameterException("Invalid parameter: Tags Reason: Tag keys must not start with 'aws:'");
            }
            result.Add(new(key, value));
        }
        if (result.Count > 50)
        {
            throw new TagLimitExceededException("Could not complete request: tag quota of per resource exceeded");
        }
        return result;
    }

    private TopicRecord FindTagged(RequestContext context, string? arn)
    {
        var parts = (arn ?? "").Split(':');
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "sns")
        {
            throw new InvalidParameterException("Invalid parameter: ResourceArn");
        }
        return parts[3] == context.Region && _topics.TryGetValue(SnsKeys.Topic(parts[4], parts[3], parts[5]), out var topic)
            ? topic
            : throw new ResourceNotFoundException("Resource does not exist");
    }

    public override async ValueTask<TagResourceResponse> TagResourceAsync(RequestContext context, TagResourceRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTagged(context, request.ResourceArn);
        Authorize(context, topic, "TagResource");
        var tags = ValidateTags(request.Tags);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var merged = new List<KeyValuePair<string, string>>(topic.Tags);
            foreach (var tag in tags)
            {
                var i = merged.FindIndex(t => t.Key == tag.Key);
                if (i >= 0)
                {
                    merged[i] = tag;
                }
                else
                {
                    merged.Add(tag);
                }
            }
            if (merged.Count > 50)
            {
                throw new TagLimitExceededException("Could not complete request: tag quota of per resource exceeded");
            }
            topic.Tags = merged;
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic)));
        }
        finally
        {
            _gate.Release();
        }
        return new TagResourceResponse();
    }

    public override async ValueTask<UntagResourceResponse> UntagResourceAsync(RequestContext context, UntagResourceRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTagged(context, request.ResourceArn);
        Authorize(context, topic, "UntagResource");
        var keys = new HashSet<string>(request.TagKeys ?? [], StringComparer.Ordinal);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            topic.Tags = topic.Tags.Where(t => !keys.Contains(t.Key)).ToList();
            await Commit(_state, new WriteBatch().Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic)));
        }
        finally
        {
            _gate.Release();
        }
        return new UntagResourceResponse();
    }

    public override async ValueTask<ListTagsForResourceResponse> ListTagsForResourceAsync(RequestContext context, ListTagsForResourceRequest request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTagged(context, request.ResourceArn);
        Authorize(context, topic, "ListTagsForResource");
        return new ListTagsForResourceResponse { Tags = topic.Tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList() };
    }

    // ---------------------------------------------------------------- subscriptions

    public override async ValueTask<SubscribeResponse> SubscribeAsync(RequestContext context, SubscribeInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var protocol = request.Protocol ?? "";
        var endpoint = request.Endpoint ?? "";
        var topic = FindTopic(context, request.TopicArn);
        if (!Protocols.Contains(protocol))
        {
            throw new InvalidParameterException($"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}");
        }
        ValidateEndpoint(protocol, endpoint, topic);
        Authorize(context, topic, "Subscribe");
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.Attributes is not null)
        {
            var scope = request.Attributes.GetValueOrDefault("FilterPolicyScope", FilterPolicy.AttributesScope);
            foreach (var (name, value) in request.Attributes)
            {
                attributes[name] = ValidateSubscriptionAttribute(name, value, protocol, endpoint, topic, scope, subscribe: true);
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var existing = SubscriptionsOf(topic).FirstOrDefault(s => s.Protocol == protocol && s.Endpoint == endpoint);
            if (existing is not null)
            {
                foreach (var (name, value) in attributes)
                {
                    if (existing.Attributes.GetValueOrDefault(name) != value)
                    {
                        throw new InvalidParameterException("Invalid parameter: Attributes Reason: Subscription already exists with different attributes");
                    }
                }
                return new SubscribeResponse
                {
                    SubscriptionArn = existing.Confirmed || request.ReturnSubscriptionArn == true ? existing.Arn : "pending confirmation",
                };
            }
            if (SubscriptionsOf(topic).Count() >= 12_500_000)
            {
                throw new SubscriptionLimitExceededException("Subscription limit exceeded");
            }
            var confirmed = protocol is not ("http" or "https" or "email" or "email-json");
            var sub = new SubscriptionRecord
            {
                Arn = $"{topic.Arn}:{Guid.NewGuid()}",
                TopicArn = topic.Arn,
                TopicKey = topic.Key,
                Owner = context.AccountId,
                Protocol = protocol,
                Endpoint = endpoint,
                Principal = context.Caller.Arn,
                Confirmed = confirmed,
                ConfirmationWasAuthenticated = confirmed,
                Token = NewToken(),
                Attributes = attributes,
                CreatedMs = NowMs,
            };
            await Commit(_state, new WriteBatch().Put(SnsKeys.Subscriptions, SnsKeys.Subscription(topic.Key, sub.Id), SnsJson.Bytes(sub)));
            _subscriptions[sub.Arn] = sub;
            if (!confirmed)
            {
                await SendConfirmationAsync(context.BaseUrl, topic, sub);
            }
            return new SubscribeResponse { SubscriptionArn = confirmed || request.ReturnSubscriptionArn == true ? sub.Arn : "pending confirmation" };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A confirmation token: 256 random hex characters, like AWS's opaque tokens.</summary>
    private static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(128));

    private static void ValidateEndpoint(string protocol, string endpoint, TopicRecord topic)
    {
        static bool IsArn(string s, string service) => s.Split(':') is { Length: >= 6 } p && p[0] == "arn" && p[2] == service;
        switch (protocol)
        {
            case "http" or "https":
                if (!endpoint.StartsWith(protocol + "://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
                {
                    throw new InvalidParameterException("Invalid parameter: Endpoint must match the specified protocol");
                }
                break;
            case "email" or "email-json":
                if (endpoint.Length < 3 || endpoint.IndexOf('@', StringComparison.Ordinal) is <= 0 || endpoint.EndsWith('@'))
                {
                    throw new InvalidParameterException("Invalid parameter: Email address");
                }
                break;
            case "sms":
                var digits = endpoint.StartsWith('+') ? endpoint[1..] : endpoint;
                if (digits.Length is < 5 or > 15 || !digits.All(char.IsAsciiDigit))
                {
                    throw new InvalidParameterException($"Invalid SMS endpoint: {endpoint}");
                }
                break;
            case "sqs":
                if (!IsArn(endpoint, "sqs"))
                {
                    throw new InvalidParameterException("Invalid parameter: SQS endpoint ARN");
                }
                if (endpoint.EndsWith(".fifo", StringComparison.Ordinal) && !topic.IsFifo)
                {
                    throw new InvalidParameterException(
                        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
                }
                break;
            case "lambda":
                if (!IsArn(endpoint, "lambda"))
                {
                    throw new InvalidParameterException("Invalid parameter: Lambda endpoint ARN");
                }
                break;
            case "firehose":
                if (!IsArn(endpoint, "firehose"))
                {
                    throw new InvalidParameterException("Invalid parameter: Firehose endpoint ARN");
                }
                break;
            case "application":
                if (!IsArn(endpoint, "sns"))
                {
                    throw new InvalidParameterException("Invalid parameter: Application endpoint arn");
                }
                break;
        }
        if (topic.IsFifo && protocol is not ("sqs" or "firehose"))
        {
            throw new InvalidParameterException($"Invalid parameter: Invalid protocol type: {protocol}");
        }
    }

    private static string ValidateSubscriptionAttribute(string name, string? value, string protocol, string endpoint, TopicRecord topic, string scope, bool subscribe)
    {
        var prefix = subscribe ? "Invalid parameter: Attributes Reason: " : "Invalid parameter: ";
        value ??= "";
        if (!SubscriptionAttributeNames.Contains(name))
        {
            throw new InvalidParameterException("Invalid parameter: AttributeName");
        }
        switch (name)
        {
            case "RawMessageDelivery":
                if (protocol is not ("sqs" or "http" or "https" or "firehose"))
                {
                    throw new InvalidParameterException($"{prefix}Delivery protocol [{protocol}] does not support raw message delivery.");
                }
                if (!bool.TryParse(value, out var raw))
                {
                    throw new InvalidParameterException($"{prefix}RawMessageDelivery: Invalid value [{value}]. Must be true or false.");
                }
                return raw ? "true" : "false";
            case "FilterPolicyScope":
                if (value is not (FilterPolicy.AttributesScope or FilterPolicy.BodyScope))
                {
                    throw new InvalidParameterException(
                        $"{prefix}FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes");
                }
                return value;
            case "FilterPolicy":
                if (value.Length > 0)
                {
                    FilterPolicy.Parse(value, scope, subscribe);
                }
                return value;
            case "RedrivePolicy":
                string target;
                try
                {
                    using var doc = JsonDocument.Parse(value);
                    target = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("deadLetterTargetArn", out var t) && t.ValueKind == JsonValueKind.String
                        ? t.GetString()! : "";
                }
                catch (JsonException)
                {
                    throw new InvalidParameterException($"{prefix}RedrivePolicy: failed to parse JSON.");
                }
                if (target.Split(':') is not { Length: 6 } arn || arn[0] != "arn" || arn[2] != "sqs")
                {
                    throw new InvalidParameterException($"{prefix}RedrivePolicy: deadLetterTargetArn is an invalid arn");
                }
                if (topic.IsFifo && endpoint.EndsWith(".fifo", StringComparison.Ordinal) && !target.EndsWith(".fifo", StringComparison.Ordinal))
                {
                    throw new InvalidParameterException($"{prefix}RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.");
                }
                return value;
            case "DeliveryPolicy":
                try
                {
                    using var doc = JsonDocument.Parse(value);
                }
                catch (JsonException)
                {
                    throw new InvalidParameterException($"{prefix}DeliveryPolicy: failed to parse JSON.");
                }
                return value;
            case "SubscriptionRoleArn":
                if (protocol != "firehose")
                {
                    throw new InvalidParameterException($"{prefix}SubscriptionRoleArn: only applicable to firehose subscriptions.");
                }
                return value;
            default:
                return value;
        }
    }

    public override async ValueTask<ConfirmSubscriptionResponse> ConfirmSubscriptionAsync(RequestContext context, ConfirmSubscriptionInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn, "Topic");
        var arn = await ConfirmCoreAsync(topic, request.Token, request.AuthenticateOnUnsubscribe == "true", cancellationToken);
        return new ConfirmSubscriptionResponse { SubscriptionArn = arn };
    }

    private async Task<string> ConfirmCoreAsync(TopicRecord topic, string? token, bool authenticated, CancellationToken cancellationToken)
    {
        var sub = _subscriptions.Values.FirstOrDefault(s => s.TopicKey == topic.Key && s.Token == token)
            ?? throw new InvalidParameterException("Invalid token");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!sub.Confirmed)
            {
                sub.Confirmed = true;
                sub.ConfirmationWasAuthenticated = authenticated;
                await Commit(_state, new WriteBatch().Put(SnsKeys.Subscriptions, SnsKeys.Subscription(topic.Key, sub.Id), SnsJson.Bytes(sub)));
            }
            return sub.Arn;
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask<Empty> UnsubscribeAsync(RequestContext context, UnsubscribeInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var parts = (request.SubscriptionArn ?? "").Split(':');
        if (parts.Length != 7 || parts[0] != "arn" || parts[2] != "sns")
        {
            throw new InvalidParameterException("Invalid parameter: SubscriptionArn");
        }
        if (!_subscriptions.TryGetValue(request.SubscriptionArn!, out var sub))
        {
            return Empty.Instance; // idempotent, as AWS
        }
        if (context.Caller.AccountId != sub.Owner && _topics.TryGetValue(sub.TopicKey, out var t) && context.Caller.AccountId != t.Account)
        {
            throw new AuthorizationErrorException($"User: {context.Caller.Arn} is not authorized to perform: SNS:Unsubscribe on resource: {sub.Arn}");
        }
        await UnsubscribeCoreAsync(sub, cancellationToken);
        return Empty.Instance;
    }

    private async Task UnsubscribeCoreAsync(SubscriptionRecord sub, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var batch = new WriteBatch().Delete(SnsKeys.Subscriptions, SnsKeys.Subscription(sub.TopicKey, sub.Id));
            if (_topics.TryGetValue(sub.TopicKey, out var topic))
            {
                topic.SubscriptionsDeleted++;
                batch.Put(SnsKeys.Topics, topic.Key, SnsJson.Bytes(topic));
            }
            await Commit(_state, batch);
            _subscriptions.TryRemove(sub.Arn, out _);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static Subscription Describe(SubscriptionRecord s) => new()
    {
        SubscriptionArn = s.Confirmed ? s.Arn : "PendingConfirmation",
        Owner = s.Owner,
        Protocol = s.Protocol,
        Endpoint = s.Endpoint,
        TopicArn = s.TopicArn,
    };

    public override async ValueTask<ListSubscriptionsResponse> ListSubscriptionsAsync(RequestContext context, ListSubscriptionsInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var prefix = $"{context.AccountId}/{context.Region}/";
        var all = _subscriptions.Values
            .Where(s => s.TopicKey.StartsWith(prefix, StringComparison.Ordinal) || (s.Owner == context.AccountId && s.TopicArn.Split(':')[3] == context.Region))
            .OrderBy(s => s.TopicKey + "/" + s.Id, StringComparer.Ordinal).ToList();
        var (page, next) = Paginate(all, s => s.TopicKey + "/" + s.Id, request.NextToken, 100);
        return new ListSubscriptionsResponse { Subscriptions = page.Select(Describe).ToList(), NextToken = next };
    }

    public override async ValueTask<ListSubscriptionsByTopicResponse> ListSubscriptionsByTopicAsync(RequestContext context, ListSubscriptionsByTopicInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var topic = FindTopic(context, request.TopicArn);
        Authorize(context, topic, "ListSubscriptionsByTopic");
        var all = SubscriptionsOf(topic).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var (page, next) = Paginate(all, s => s.Id, request.NextToken, 100);
        return new ListSubscriptionsByTopicResponse { Subscriptions = page.Select(Describe).ToList(), NextToken = next };
    }

    public override async ValueTask<GetSubscriptionAttributesResponse> GetSubscriptionAttributesAsync(RequestContext context, GetSubscriptionAttributesInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var sub = FindSubscription(request.SubscriptionArn);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ConfirmationWasAuthenticated"] = sub.ConfirmationWasAuthenticated ? "true" : "false",
            ["PendingConfirmation"] = sub.Confirmed ? "false" : "true",
            ["Owner"] = sub.Owner,
            ["RawMessageDelivery"] = "false",
            ["SubscriptionArn"] = sub.Arn,
            ["TopicArn"] = sub.TopicArn,
            ["Endpoint"] = sub.Endpoint,
            ["Protocol"] = sub.Protocol,
            ["SubscriptionPrincipal"] = sub.Principal,
        };
        foreach (var (name, value) in sub.Attributes)
        {
            if (value.Length > 0)
            {
                attributes[name] = value;
            }
        }
        if (attributes.ContainsKey("FilterPolicy"))
        {
            attributes.TryAdd("FilterPolicyScope", FilterPolicy.AttributesScope);
        }
        else
        {
            attributes.Remove("FilterPolicyScope");
        }
        if (sub.Protocol is "http" or "https" && _topics.TryGetValue(sub.TopicKey, out var topic))
        {
            attributes["EffectiveDeliveryPolicy"] = sub.Attributes.TryGetValue("DeliveryPolicy", out var own) && own.Length > 0
                ? own : EffectiveDeliveryPolicy(topic);
        }
        return new GetSubscriptionAttributesResponse { Attributes = attributes };
    }

    public override async ValueTask<Empty> SetSubscriptionAttributesAsync(RequestContext context, SetSubscriptionAttributesInput request, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync();
        var sub = FindSubscription(request.SubscriptionArn);
        var name = request.AttributeName ?? "";
        if (!_topics.TryGetValue(sub.TopicKey, out var topic))
        {
            throw new NotFoundException("Subscription does not exist");
        }
        var scope = name == "FilterPolicy"
            ? sub.Attributes.GetValueOrDefault("FilterPolicyScope", FilterPolicy.AttributesScope)
            : request.AttributeValue ?? FilterPolicy.AttributesScope;
        var value = ValidateSubscriptionAttribute(name, request.AttributeValue, sub.Protocol, sub.Endpoint, topic, scope, subscribe: false);
        if (name == "FilterPolicyScope" && sub.Attributes.TryGetValue("FilterPolicy", out var policy) && policy.Length > 0)
        {
            FilterPolicy.Parse(policy, value, subscribeCall: false);
        }
        await _gate.WaitAsync(cancellationToken);
        try
        {
            sub.Attributes[name] = value;
            await Commit(_state, new WriteBatch().Put(SnsKeys.Subscriptions, SnsKeys.Subscription(sub.TopicKey, sub.Id), SnsJson.Bytes(sub)));
        }
        finally
        {
            _gate.Release();
        }
        return Empty.Instance;
    }
}
