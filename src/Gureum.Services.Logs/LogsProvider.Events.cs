using System.Globalization;
using System.Text;
using System.Text.Json;
using Gureum.Api.Logs;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Logs;

/// <summary>PutLogEvents, GetLogEvents and FilterLogEvents.</summary>
public sealed partial class LogsProvider
{
    public override async ValueTask<PutLogEventsResponse> PutLogEventsAsync(RequestContext context, PutLogEventsRequest request, CancellationToken ct)
    {
        var group = request.LogGroupName!;
        var name = request.LogStreamName!;
        var events = request.LogEvents!;
        long size = 0;
        for (var i = 0; i < events.Count; i++)
        {
            size += Encoding.UTF8.GetByteCount(events[i].Message ?? "") + EventOverhead;
            if (i > 0 && events[i].Timestamp < events[i - 1].Timestamp)
            {
                throw new InvalidParameterException("Log events in a single PutLogEvents request must be in chronological order.");
            }
        }
        if (size > MaxBatchBytes)
        {
            throw new InvalidParameterException($"Upload too large: {size} bytes exceeds limit of {MaxBatchBytes}");
        }
        if (events[^1].Timestamp!.Value - events[0].Timestamp!.Value > (long)MaxSpan.TotalMilliseconds)
        {
            throw new InvalidParameterException("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.");
        }
        var groupRecord = await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        var now = Now();
        var tooNewFrom = now + (long)TooNew.TotalMilliseconds;
        var tooOldBefore = now - (long)TooOld.TotalMilliseconds;
        var expiredBefore = groupRecord.RetentionInDays is { } days ? now - days * 86_400_000L : long.MinValue;
        int? tooNewStart = null;
        var tooOldEnd = 0;
        var expiredEnd = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var ts = events[i].Timestamp!.Value;
            if (ts < tooOldBefore)
            {
                tooOldEnd = i + 1;
            }
            if (ts < expiredBefore)
            {
                expiredEnd = i + 1;
            }
            if (ts >= tooNewFrom && tooNewStart is null)
            {
                tooNewStart = i;
            }
        }
        var firstAccepted = Math.Max(tooOldEnd, expiredEnd);
        var endAccepted = tooNewStart ?? events.Count;

        var gate = StreamLock(context, group, name);
        await gate.WaitAsync(ct).ConfigureAwait(false);
        StreamRecord stream;
        try
        {
            var bytes = await _state.GetAsync(Streams(context), StreamKey(group, name), ct).ConfigureAwait(false)
                ?? throw new ResourceNotFoundException("The specified log stream does not exist.");
            stream = JsonSerializer.Deserialize(bytes, LogsJson.Default.StreamRecord)!;
            if (firstAccepted < endAccepted)
            {
                var batch = new WriteBatch().RequireExists(Groups(context), group).RequireValue(Streams(context), StreamKey(group, name), bytes);
                var prefix = EventPrefix(group, name);
                for (var i = firstAccepted; i < endAccepted; i++)
                {
                    var e = events[i];
                    var ts = e.Timestamp!.Value;
                    var seq = stream.NextSeq++;
                    batch.Put(Events(context), prefix + Cursor(ts, seq), JsonSerializer.SerializeToUtf8Bytes(
                        new EventRecord { Timestamp = ts, Message = e.Message ?? "", IngestionTime = now }, LogsJson.Default.EventRecord));
                    stream.FirstEventTimestamp = stream.FirstEventTimestamp is { } f ? Math.Min(f, ts) : ts;
                    stream.LastEventTimestamp = stream.LastEventTimestamp is { } l ? Math.Max(l, ts) : ts;
                }
                stream.LastIngestionTime = now;
                batch.Put(Streams(context), StreamKey(group, name), JsonSerializer.SerializeToUtf8Bytes(stream, LogsJson.Default.StreamRecord));
                if (!await _state.CommitAsync(batch, ct).ConfigureAwait(false))
                {
                    throw new ResourceNotFoundException("The specified log group does not exist.");
                }
            }
        }
        finally
        {
            gate.Release();
        }
        RejectedLogEventsInfo? rejected = null;
        if (tooNewStart is not null || tooOldEnd > 0 || expiredEnd > 0)
        {
            rejected = new RejectedLogEventsInfo
            {
                TooNewLogEventStartIndex = tooNewStart,
                TooOldLogEventEndIndex = tooOldEnd > 0 ? tooOldEnd : null,
                ExpiredLogEventEndIndex = expiredEnd > 0 ? expiredEnd : null,
            };
        }
        return new PutLogEventsResponse { NextSequenceToken = SequenceToken(stream.NextSeq), RejectedLogEventsInfo = rejected };
    }

    public override async ValueTask<GetLogEventsResponse> GetLogEventsAsync(RequestContext context, GetLogEventsRequest request, CancellationToken ct)
    {
        var group = ResolveGroup(request.LogGroupName, request.LogGroupIdentifier);
        var name = request.LogStreamName!;
        var groupRecord = await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        if (await _state.GetAsync(Streams(context), StreamKey(group, name), ct).ConfigureAwait(false) is null)
        {
            throw new ResourceNotFoundException("The specified log stream does not exist.");
        }
        var limit = request.Limit ?? 10_000;
        var prefix = EventPrefix(group, name);
        var minTs = Math.Max(request.StartTime ?? 0, RetentionCutoff(groupRecord));
        var from = prefix + Cursor(Math.Max(0, minTs), 0);
        var to = request.EndTime is { } end ? prefix + Cursor(Math.Max(0, end), 0) : prefix + "\uffff";
        bool forward;
        string? cursor = null;
        if (request.NextToken is { } token)
        {
            if (token.Length != 58 || token[1] != '/' || token[0] is not ('f' or 'b') || token.AsSpan(2).ContainsAnyExceptInRange('0', '9'))
            {
                throw new InvalidParameterException("The specified nextToken is invalid.");
            }
            forward = token[0] == 'f';
            cursor = token[2..40];
        }
        else
        {
            forward = request.StartFromHead == true;
        }
        ScanRange range;
        if (cursor is null)
        {
            range = new ScanRange { FromKey = from, ToKeyExclusive = to, Descending = !forward, Limit = limit };
        }
        else if (forward)
        {
            var after = ScanRange.After(prefix + cursor);
            range = new ScanRange { FromKey = string.CompareOrdinal(after, from) > 0 ? after : from, ToKeyExclusive = to, Limit = limit };
        }
        else
        {
            var before = prefix + cursor;
            range = new ScanRange { FromKey = from, ToKeyExclusive = string.CompareOrdinal(before, to) < 0 ? before : to, Descending = true, Limit = limit };
        }
        var found = new List<(string Cursor, EventRecord Event)>();
        long bytes = 0;
        await foreach (var kv in _state.ScanAsync(Events(context), range, ct).ConfigureAwait(false))
        {
            var e = JsonSerializer.Deserialize(kv.Value, LogsJson.Default.EventRecord)!;
            bytes += Encoding.UTF8.GetByteCount(e.Message) + EventOverhead;
            if (bytes > MaxBatchBytes && found.Count > 0)
            {
                break;
            }
            found.Add((kv.Key[prefix.Length..], e));
        }
        if (range.Descending)
        {
            found.Reverse();
        }
        string forwardToken, backwardToken;
        if (found.Count == 0)
        {
            var c = cursor ?? Cursor(0, 0);
            forwardToken = "f/" + c + Zeros;
            backwardToken = "b/" + c + Zeros;
        }
        else
        {
            forwardToken = "f/" + found[^1].Cursor + Zeros;
            backwardToken = "b/" + found[0].Cursor + Zeros;
        }
        return new GetLogEventsResponse
        {
            Events = found.Select(f => new OutputLogEvent { Timestamp = f.Event.Timestamp, Message = f.Event.Message, IngestionTime = f.Event.IngestionTime }).ToList(),
            NextForwardToken = forwardToken,
            NextBackwardToken = backwardToken,
        };
    }

    private long RetentionCutoff(GroupRecord g) => g.RetentionInDays is { } days ? Now() - days * 86_400_000L : 0;

    public override async ValueTask<FilterLogEventsResponse> FilterLogEventsAsync(RequestContext context, FilterLogEventsRequest request, CancellationToken ct)
    {
        var group = ResolveGroup(request.LogGroupName, request.LogGroupIdentifier);
        if (request.LogStreamNames is not null && request.LogStreamNamePrefix is not null)
        {
            throw new InvalidParameterException("logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
        }
        var groupRecord = await RequireGroupAsync(context, group, ct).ConfigureAwait(false);
        var pattern = FilterPattern.Parse(request.FilterPattern);
        var names = request.LogStreamNames?.ToHashSet(StringComparer.Ordinal);
        var limit = request.Limit ?? 10_000;
        var minTs = Math.Max(request.StartTime ?? 0, RetentionCutoff(groupRecord));
        var maxTs = request.EndTime ?? long.MaxValue;
        (long Ts, string Stream, long Seq)? after = null;
        if (request.NextToken is { } token)
        {
            var parts = DecodeToken(token).Split('\u0001');
            if (parts.Length != 3 || !long.TryParse(parts[0], CultureInfo.InvariantCulture, out var t) || !long.TryParse(parts[2], CultureInfo.InvariantCulture, out var s))
            {
                throw new InvalidParameterException("The specified nextToken is invalid.");
            }
            after = (t, parts[1], s);
        }
        var matches = new List<(long Ts, string Stream, long Seq, EventRecord Event)>();
        var groupPrefix = group + "\u0001";
        await foreach (var kv in _state.ScanAsync(Events(context), ScanRange.WithPrefix(groupPrefix), ct).ConfigureAwait(false))
        {
            var rest = kv.Key[groupPrefix.Length..];
            var sep = rest.LastIndexOf('\u0001');
            var stream = rest[..sep];
            if (names is not null ? !names.Contains(stream) : request.LogStreamNamePrefix is { } p && !stream.StartsWith(p, StringComparison.Ordinal))
            {
                continue;
            }
            var ts = long.Parse(rest.AsSpan(sep + 1, 19), CultureInfo.InvariantCulture);
            var seq = long.Parse(rest.AsSpan(sep + 20, 19), CultureInfo.InvariantCulture);
            if (ts < minTs || ts >= maxTs)
            {
                continue;
            }
            if (after is { } a && Compare((ts, stream, seq), a) <= 0)
            {
                continue;
            }
            var e = JsonSerializer.Deserialize(kv.Value, LogsJson.Default.EventRecord)!;
            if (pattern.Matches(e.Message))
            {
                matches.Add((ts, stream, seq, e));
            }
        }
        matches.Sort((x, y) => Compare((x.Ts, x.Stream, x.Seq), (y.Ts, y.Stream, y.Seq)));
        var page = new List<FilteredLogEvent>();
        long bytes = 0;
        string? next = null;
        foreach (var m in matches)
        {
            bytes += Encoding.UTF8.GetByteCount(m.Event.Message) + EventOverhead;
            if (page.Count == limit || (bytes > MaxBatchBytes && page.Count > 0))
            {
                var last = matches[page.Count - 1];
                next = EncodeToken($"{last.Ts}\u0001{last.Stream}\u0001{last.Seq}");
                break;
            }
            page.Add(new FilteredLogEvent
            {
                LogStreamName = m.Stream,
                Timestamp = m.Ts,
                Message = m.Event.Message,
                IngestionTime = m.Event.IngestionTime,
                EventId = EventId(m.Ts, m.Stream, m.Seq),
            });
        }
        return new FilterLogEventsResponse { Events = page, SearchedLogStreams = [], NextToken = next };
    }

    private static int Compare((long Ts, string Stream, long Seq) x, (long Ts, string Stream, long Seq) y)
    {
        var c = x.Ts.CompareTo(y.Ts);
        if (c == 0)
        {
            c = string.CompareOrdinal(x.Stream, y.Stream);
        }
        return c != 0 ? c : x.Seq.CompareTo(y.Seq);
    }

    /// <summary>A 56-digit id like AWS's: timestamp, a hash of the stream name, and the sequence number.</summary>
    private static string EventId(long ts, string stream, long seq)
    {
        uint h = 2166136261;
        foreach (var ch in stream)
        {
            h = (h ^ ch) * 16777619;
        }
        return $"{ts:D19}{h % 10_000_000_000L:D18}{seq:D19}";
    }
}
