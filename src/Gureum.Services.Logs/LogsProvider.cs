using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gureum.Api.Logs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Logs;

/// <summary>
/// CloudWatch Logs: log groups (retention, tags), log streams, PutLogEvents with AWS's batch rules
/// (sequence tokens are accepted and ignored, as AWS does since 2023), GetLogEvents with forward and
/// backward tokens, and FilterLogEvents with term/phrase filter patterns.
/// </summary>
public sealed partial class LogsProvider : LogsServiceBase
{
    internal const int MaxBatchBytes = 1_048_576;
    internal const int EventOverhead = 26;
    private static readonly TimeSpan MaxSpan = TimeSpan.FromHours(24);
    private static readonly TimeSpan TooNew = TimeSpan.FromHours(2);
    private static readonly TimeSpan TooOld = TimeSpan.FromDays(14);
    private static readonly int[] RetentionDays = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
    private const string Zeros = "000000000000000000"; // pads a cursor to AWS's 56-digit tokens

    private readonly IStateStore _state;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _streamLocks = new(StringComparer.Ordinal);

    public LogsProvider(IStateStore state, TimeProvider clock)
    {
        _state = state;
        _clock = clock;
    }

    private static string Groups(RequestContext c) => $"logs/groups/{c.AccountId}/{c.Region}";
    private static string Streams(RequestContext c) => $"logs/streams/{c.AccountId}/{c.Region}";
    private static string Events(RequestContext c) => $"logs/events/{c.AccountId}/{c.Region}";
    private static string StreamKey(string group, string stream) => $"{group}\u0001{stream}";
    private static string EventPrefix(string group, string stream) => $"{group}\u0001{stream}\u0001";
    private static string Cursor(long ts, long seq) => $"{ts:D19}{seq:D19}";

    private static string GroupArn(RequestContext c, string name) => $"arn:aws:logs:{c.Region}:{c.AccountId}:log-group:{name}";

    private long Now() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    // ---------------------------------------------------------------- groups

    public override async ValueTask<Empty> CreateLogGroupAsync(RequestContext context, CreateLogGroupRequest request, CancellationToken ct)
    {
        var name = request.LogGroupName!;
        if (name.StartsWith("aws/", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidParameterException("Log groups starting with AWS/ are reserved for AWS.");
        }
        if (request.LogGroupClass is { } cls && cls != "STANDARD" && cls != "INFREQUENT_ACCESS" && cls != "DELIVERY")
        {
            throw new InvalidParameterException($"1 validation error detected: Value '{cls}' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, DELIVERY]");
        }
        var record = new GroupRecord
        {
            Name = name,
            CreationTime = Now(),
            KmsKeyId = request.KmsKeyId,
            LogGroupClass = request.LogGroupClass ?? "STANDARD",
            DeletionProtection = request.DeletionProtectionEnabled ?? false,
            Tags = request.Tags is null ? [] : new Dictionary<string, string>(request.Tags, StringComparer.Ordinal),
        };
        var ok = await _state.CommitAsync(new WriteBatch()
            .RequireAbsent(Groups(context), name)
            .Put(Groups(context), name, JsonSerializer.SerializeToUtf8Bytes(record, LogsJson.Default.GroupRecord)), ct).ConfigureAwait(false);
        if (!ok)
        {
            throw new ResourceAlreadyExistsException("The specified log group already exists");
        }
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DeleteLogGroupAsync(RequestContext context, DeleteLogGroupRequest request, CancellationToken ct)
    {
        var name = request.LogGroupName!;
        var group = await RequireGroupAsync(context, name, ct).ConfigureAwait(false);
        if (group.DeletionProtection)
        {
            throw new Api.Logs.InvalidOperationException("Log group deletion protection is enabled");
        }
        var batch = new WriteBatch().Delete(Groups(context), name);
        await foreach (var kv in _state.ScanAsync(Streams(context), ScanRange.WithPrefix(name + "\u0001"), ct).ConfigureAwait(false))
        {
            batch.Delete(Streams(context), kv.Key);
        }
        await foreach (var kv in _state.ScanAsync(Events(context), ScanRange.WithPrefix(name + "\u0001"), ct).ConfigureAwait(false))
        {
            batch.Delete(Events(context), kv.Key);
        }
        await _state.CommitAsync(batch, ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<DescribeLogGroupsResponse> DescribeLogGroupsAsync(RequestContext context, DescribeLogGroupsRequest request, CancellationToken ct)
    {
        if (request.LogGroupNamePrefix is not null && request.LogGroupNamePattern is not null)
        {
            throw new InvalidParameterException("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.");
        }
        var limit = request.Limit ?? 50;
        var range = new ScanRange { Prefix = request.LogGroupNamePrefix };
        if (request.NextToken is { } token)
        {
            range = range with { FromKey = ScanRange.After(DecodeToken(token)) };
        }
        var groups = new List<LogGroup>();
        string? next = null;
        var identifiers = request.LogGroupIdentifiers?.Select(GroupNameOf).ToHashSet(StringComparer.Ordinal);
        await foreach (var kv in _state.ScanAsync(Groups(context), range, ct).ConfigureAwait(false))
        {
            var g = JsonSerializer.Deserialize(kv.Value, LogsJson.Default.GroupRecord)!;
            if (request.LogGroupNamePattern is { } pattern && !g.Name.Contains(pattern, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (identifiers is not null && !identifiers.Contains(g.Name))
            {
                continue;
            }
            if (request.LogGroupClass is { } cls && g.LogGroupClass != cls)
            {
                continue;
            }
            if (groups.Count == limit)
            {
                next = EncodeToken(groups[^1].LogGroupName!);
                break;
            }
            groups.Add(ToModel(context, g));
        }
        return new DescribeLogGroupsResponse { LogGroups = groups, NextToken = next };
    }

    private static LogGroup ToModel(RequestContext c, GroupRecord g) => new()
    {
        LogGroupName = g.Name,
        CreationTime = g.CreationTime,
        RetentionInDays = g.RetentionInDays,
        MetricFilterCount = 0,
        Arn = GroupArn(c, g.Name) + ":*",
        LogGroupArn = GroupArn(c, g.Name),
        StoredBytes = 0,
        KmsKeyId = g.KmsKeyId,
        LogGroupClass = g.LogGroupClass,
        DeletionProtectionEnabled = g.DeletionProtection,
    };

    public override async ValueTask<Empty> PutRetentionPolicyAsync(RequestContext context, PutRetentionPolicyRequest request, CancellationToken ct)
    {
        var days = request.RetentionInDays!.Value;
        if (Array.IndexOf(RetentionDays, days) < 0)
        {
            throw new InvalidParameterException($"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", RetentionDays)}]");
        }
        await UpdateGroupAsync(context, request.LogGroupName!, g => g.RetentionInDays = days, ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DeleteRetentionPolicyAsync(RequestContext context, DeleteRetentionPolicyRequest request, CancellationToken ct)
    {
        await UpdateGroupAsync(context, request.LogGroupName!, g => g.RetentionInDays = null, ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    // ---------------------------------------------------------------- tags

    public override async ValueTask<Empty> TagLogGroupAsync(RequestContext context, TagLogGroupRequest request, CancellationToken ct)
    {
        await UpdateGroupAsync(context, request.LogGroupName!, g => AddTags(g, request.Tags!), ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> UntagLogGroupAsync(RequestContext context, UntagLogGroupRequest request, CancellationToken ct)
    {
        await UpdateGroupAsync(context, request.LogGroupName!, g => request.Tags!.ForEach(k => g.Tags.Remove(k)), ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<ListTagsLogGroupResponse> ListTagsLogGroupAsync(RequestContext context, ListTagsLogGroupRequest request, CancellationToken ct)
    {
        var g = await RequireGroupAsync(context, request.LogGroupName!, ct).ConfigureAwait(false);
        return new ListTagsLogGroupResponse { Tags = g.Tags };
    }

    public override async ValueTask<Empty> TagResourceAsync(RequestContext context, TagResourceRequest request, CancellationToken ct)
    {
        await UpdateGroupAsync(context, GroupFromArn(context, request.ResourceArn!), g => AddTags(g, request.Tags!), ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> UntagResourceAsync(RequestContext context, UntagResourceRequest request, CancellationToken ct)
    {
        await UpdateGroupAsync(context, GroupFromArn(context, request.ResourceArn!), g => request.TagKeys!.ForEach(k => g.Tags.Remove(k)), ct).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<ListTagsForResourceResponse> ListTagsForResourceAsync(RequestContext context, ListTagsForResourceRequest request, CancellationToken ct)
    {
        var g = await RequireGroupAsync(context, GroupFromArn(context, request.ResourceArn!), ct).ConfigureAwait(false);
        return new ListTagsForResourceResponse { Tags = g.Tags };
    }

    private static void AddTags(GroupRecord g, Dictionary<string, string> tags)
    {
        foreach (var (k, v) in tags)
        {
            g.Tags[k] = v;
        }
        if (g.Tags.Count > 50)
        {
            throw new InvalidParameterException("A resource can have no more than 50 tags.");
        }
    }

    private static string GroupFromArn(RequestContext c, string arn)
    {
        var parts = arn.Split(':', 7);
        if (parts.Length < 7 || parts[0] != "arn" || parts[2] != "logs" || parts[5] != "log-group")
        {
            throw new InvalidParameterException($"Invalid ARN: {arn}");
        }
        if (parts[3] != c.Region || parts[4] != c.AccountId)
        {
            throw new ResourceNotFoundException("The specified log group does not exist.");
        }
        var name = parts[6];
        return name.EndsWith(":*", StringComparison.Ordinal) ? name[..^2] : name;
    }

    private static string GroupNameOf(string identifier)
    {
        if (!identifier.StartsWith("arn:", StringComparison.Ordinal))
        {
            return identifier;
        }
        var parts = identifier.Split(':', 7);
        var name = parts.Length == 7 ? parts[6] : identifier;
        return name.EndsWith(":*", StringComparison.Ordinal) ? name[..^2] : name;
    }

    private static string ResolveGroup(string? name, string? identifier)
    {
        if (name is not null && identifier is not null)
        {
            throw new InvalidParameterException("LogGroup name and LogGroup ARN are mutually exclusive parameters.");
        }
        if (name is null && identifier is null)
        {
            throw new InvalidParameterException("Should provide either name or ARN of LogGroup.");
        }
        return name ?? GroupNameOf(identifier!);
    }

    private async Task<GroupRecord> RequireGroupAsync(RequestContext c, string name, CancellationToken ct)
    {
        var bytes = await _state.GetAsync(Groups(c), name, ct).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException("The specified log group does not exist.");
        return JsonSerializer.Deserialize(bytes, LogsJson.Default.GroupRecord)!;
    }

    private async Task UpdateGroupAsync(RequestContext c, string name, Action<GroupRecord> change, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var bytes = await _state.GetAsync(Groups(c), name, ct).ConfigureAwait(false)
                ?? throw new ResourceNotFoundException("The specified log group does not exist.");
            var g = JsonSerializer.Deserialize(bytes, LogsJson.Default.GroupRecord)!;
            change(g);
            var ok = await _state.CommitAsync(new WriteBatch()
                .RequireValue(Groups(c), name, bytes)
                .Put(Groups(c), name, JsonSerializer.SerializeToUtf8Bytes(g, LogsJson.Default.GroupRecord)), ct).ConfigureAwait(false);
            if (ok)
            {
                return;
            }
        }
    }

    // ---------------------------------------------------------------- streams

    public override async ValueTask<Empty> CreateLogStreamAsync(RequestContext context, CreateLogStreamRequest request, CancellationToken ct)
    {
        var group = request.LogGroupName!;
        var name = request.LogStreamName!;
        await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        var record = new StreamRecord { Name = name, CreationTime = Now() };
        var ok = await _state.CommitAsync(new WriteBatch()
            .RequireExists(Groups(context), group)
            .RequireAbsent(Streams(context), StreamKey(group, name))
            .Put(Streams(context), StreamKey(group, name), JsonSerializer.SerializeToUtf8Bytes(record, LogsJson.Default.StreamRecord)), ct).ConfigureAwait(false);
        if (!ok)
        {
            if (await _state.GetAsync(Groups(context), group, ct).ConfigureAwait(false) is null)
            {
                throw new ResourceNotFoundException("The specified log group does not exist.");
            }
            throw new ResourceAlreadyExistsException("The specified log stream already exists");
        }
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DeleteLogStreamAsync(RequestContext context, DeleteLogStreamRequest request, CancellationToken ct)
    {
        var group = request.LogGroupName!;
        var name = request.LogStreamName!;
        await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        var gate = StreamLock(context, group, name);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (await _state.GetAsync(Streams(context), StreamKey(group, name), ct).ConfigureAwait(false) is null)
            {
                throw new ResourceNotFoundException("The specified log stream does not exist.");
            }
            var batch = new WriteBatch().Delete(Streams(context), StreamKey(group, name));
            await foreach (var kv in _state.ScanAsync(Events(context), ScanRange.WithPrefix(EventPrefix(group, name)), ct).ConfigureAwait(false))
            {
                batch.Delete(Events(context), kv.Key);
            }
            await _state.CommitAsync(batch, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
        return Empty.Instance;
    }

    public override async ValueTask<DescribeLogStreamsResponse> DescribeLogStreamsAsync(RequestContext context, DescribeLogStreamsRequest request, CancellationToken ct)
    {
        var group = ResolveGroup(request.LogGroupName, request.LogGroupIdentifier);
        var orderBy = request.OrderBy ?? "LogStreamName";
        if (orderBy == "LastEventTime" && request.LogStreamNamePrefix is not null)
        {
            throw new InvalidParameterException("Cannot order by LastEventTime with a logStreamNamePrefix.");
        }
        await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        var limit = request.Limit ?? 50;
        var all = new List<StreamRecord>();
        await foreach (var kv in _state.ScanAsync(Streams(context), ScanRange.WithPrefix(StreamKey(group, request.LogStreamNamePrefix ?? "")), ct).ConfigureAwait(false))
        {
            all.Add(JsonSerializer.Deserialize(kv.Value, LogsJson.Default.StreamRecord)!);
        }
        IEnumerable<StreamRecord> ordered = orderBy == "LastEventTime"
            ? all.OrderBy(s => s.LastEventTimestamp ?? 0).ThenBy(s => s.Name, StringComparer.Ordinal)
            : all;
        if (request.Descending == true)
        {
            ordered = ordered.Reverse();
        }
        var list = ordered.ToList();
        var start = 0;
        if (request.NextToken is { } token)
        {
            if (!int.TryParse(DecodeToken(token), NumberStyles.None, CultureInfo.InvariantCulture, out start) || start < 0)
            {
                throw new InvalidParameterException("The specified nextToken is invalid.");
            }
        }
        var page = list.Skip(start).Take(limit).Select(s => new LogStream
        {
            LogStreamName = s.Name,
            CreationTime = s.CreationTime,
            FirstEventTimestamp = s.FirstEventTimestamp,
            LastEventTimestamp = s.LastEventTimestamp,
            LastIngestionTime = s.LastIngestionTime,
            UploadSequenceToken = SequenceToken(s.NextSeq),
            Arn = $"{GroupArn(context, group)}:log-stream:{s.Name}",
            StoredBytes = 0,
        }).ToList();
        var next = start + page.Count < list.Count ? EncodeToken((start + page.Count).ToString(CultureInfo.InvariantCulture)) : null;
        return new DescribeLogStreamsResponse { LogStreams = page, NextToken = next };
    }

    private static string SequenceToken(long seq) => seq.ToString("D56", CultureInfo.InvariantCulture);

    private SemaphoreSlim StreamLock(RequestContext c, string group, string stream) =>
        _streamLocks.GetOrAdd($"{c.AccountId}/{c.Region}/{group}\u0001{stream}", _ => new SemaphoreSlim(1, 1));

    private static string EncodeToken(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));

    private static string DecodeToken(string token)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw new InvalidParameterException("The specified nextToken is invalid.");
        }
    }
}
