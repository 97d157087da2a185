using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gureum.Api.Dynamodb;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

/// <summary>One DynamoDB stream (a table's change log between an enable and a disable), as other services see it.</summary>
public sealed class DynamoDbStreamInfo
{
    public string Arn { get; set; } = "";
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public string TableName { get; set; } = "";
    public string TableId { get; set; } = "";
    public string Label { get; set; } = "";
    public string ViewType { get; set; } = "";
    public List<KeyDef> KeySchema { get; set; } = [];
    public long CreatedMs { get; set; }

    /// <summary>ENABLED or DISABLED.</summary>
    public string Status { get; set; } = "ENABLED";

    /// <summary>The last sequence number written before the stream was disabled (the shard's end), or null while open.</summary>
    public long? EndSequence { get; set; }

    /// <summary>The one shard's id (streams here have exactly one shard).</summary>
    public string ShardId { get; set; } = "";
}

/// <summary>One change record as stored and as handed to readers. Images follow the stream's view type.</summary>
public sealed class DynamoDbStreamRecord
{
    public long Sequence { get; set; }
    public string EventId { get; set; } = "";
    public string EventName { get; set; } = "";
    public long CreatedMs { get; set; }
    public byte[] Keys { get; set; } = [];
    public byte[]? NewImage { get; set; }
    public byte[]? OldImage { get; set; }
    public long SizeBytes { get; set; }

    /// <summary>True for deletions made by the TTL sweeper (userIdentity dynamodb.amazonaws.com).</summary>
    public bool ByTtl { get; set; }

    public Dictionary<string, AttributeValue> KeysMap => Values.Decode(Keys);

    public Dictionary<string, AttributeValue>? NewImageMap => NewImage is null ? null : Values.Decode(NewImage);

    public Dictionary<string, AttributeValue>? OldImageMap => OldImage is null ? null : Values.Decode(OldImage);

    /// <summary>AWS's 21-digit sequence number text.</summary>
    public static string FormatSequence(long sequence) => "1" + sequence.ToString("D20", CultureInfo.InvariantCulture);

    public static bool TryParseSequence(string? text, out long sequence)
    {
        sequence = 0;
        return text is { Length: 21 } && text[0] == '1' && text.All(char.IsAsciiDigit)
            && long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }
}

/// <summary>What a reader of a stream gets: records in order plus the shard's bounds.</summary>
public sealed class DynamoDbStreamRead
{
    public List<DynamoDbStreamRecord> Records { get; } = [];

    /// <summary>Oldest retained sequence (records before it were trimmed after 24 h); null when nothing is retained.</summary>
    public long? TrimHorizon { get; set; }

    /// <summary>Next sequence the stream will assign (records below it are all committed and visible).</summary>
    public long Next { get; set; }

    /// <summary>True when the requested start lies before the trim horizon (those records are gone).</summary>
    public bool Trimmed { get; set; }
}

/// <summary>
/// The public contract through which the DynamoDB Streams service reads table streams. The streams service
/// never touches the tables' store layout.
/// </summary>
public interface IDynamoDbStreamSource
{
    TimeProvider Clock { get; }

    /// <summary>Streams of an account and region (optionally of one table), in ARN order.</summary>
    ValueTask<List<DynamoDbStreamInfo>> ListStreamsAsync(string account, string region, string? tableName, CancellationToken ct);

    ValueTask<DynamoDbStreamInfo?> FindStreamAsync(string account, string region, string streamArn, CancellationToken ct);

    /// <summary>Up to <paramref name="limit"/> retained records with sequence ≥ <paramref name="from"/>.</summary>
    ValueTask<DynamoDbStreamRead> ReadAsync(DynamoDbStreamInfo stream, long from, int limit, CancellationToken ct);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DynamoDbStreamInfo))]
[JsonSerializable(typeof(DynamoDbStreamRecord))]
internal sealed partial class StreamJson : JsonSerializerContext
{
    public static byte[] Serialize(DynamoDbStreamInfo s) => JsonSerializer.SerializeToUtf8Bytes(s, Default.DynamoDbStreamInfo);

    public static DynamoDbStreamInfo DeserializeInfo(byte[] data) => JsonSerializer.Deserialize(data, Default.DynamoDbStreamInfo)!;

    public static byte[] Serialize(DynamoDbStreamRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.DynamoDbStreamRecord);

    public static DynamoDbStreamRecord DeserializeRecord(byte[] data) => JsonSerializer.Deserialize(data, Default.DynamoDbStreamRecord)!;
}

public sealed partial class DynamodbProvider : IDynamoDbStreamSource
{
    private const string StreamsTable = "ddb-streams";
    internal static readonly TimeSpan StreamRetention = TimeSpan.FromHours(24);

    /// <summary>Per stream: the next sequence and the sequences allocated but not yet committed.</summary>
    internal sealed class SequenceState
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public bool Loaded;
        public long Next = 1;
        public readonly SortedSet<long> InFlight = [];
    }

    private readonly ConcurrentDictionary<string, SequenceState> _sequences = new(StringComparer.Ordinal);

    public TimeProvider Clock => _clock;

    internal static string StreamRecordsTable(string tableId, string label) => "ddb-stream/" + tableId + "/" + label;

    private static string StreamKey(string account, string region, string tableName, string label) => $"{account}/{region}/{tableName}/{label}";

    private async ValueTask<SequenceState> SequencesAsync(string recordsTable, CancellationToken ct)
    {
        var s = _sequences.GetOrAdd(recordsTable, _ => new SequenceState());
        if (s.Loaded) return s;
        await s.Gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!s.Loaded)
            {
                await foreach (var kv in _state.ScanAsync(recordsTable, new ScanRange { Descending = true, Limit = 1 }, ct).ConfigureAwait(false))
                {
                    if (DynamoDbStreamRecord.TryParseSequence(kv.Key, out var last))
                    {
                        lock (s) s.Next = Math.Max(s.Next, last + 1);
                    }
                }
                s.Loaded = true;
            }
        }
        finally
        {
            s.Gate.Release();
        }
        return s;
    }

    /// <summary>A pending stream write: the caller commits it with the item and then calls <see cref="Complete"/>.</summary>
    internal sealed class StreamAppend(SequenceState? state, long sequence)
    {
        public void Complete()
        {
            if (state is null) return;
            lock (state) state.InFlight.Remove(sequence);
        }
    }

    /// <summary>
    /// Adds the stream record for one item change to <paramref name="batch"/> (nothing when the table has no stream
    /// or nothing changed). The returned handle must be completed once the batch is committed or abandoned.
    /// </summary>
    internal async ValueTask<StreamAppend?> AddStreamRecordAsync(TableMeta meta, WriteBatch batch,
        Dictionary<string, AttributeValue>? old, Dictionary<string, AttributeValue>? updated, bool byTtl, CancellationToken ct)
    {
        if (!meta.StreamEnabled || meta.StreamLabel is null) return null;
        if (old is null && updated is null) return null;
        if (old is not null && updated is not null && Values.Encode(old).AsSpan().SequenceEqual(Values.Encode(updated))) return null;
        var table = StreamRecordsTable(meta.Id, meta.StreamLabel);
        var s = await SequencesAsync(table, ct).ConfigureAwait(false);
        long seq;
        lock (s)
        {
            seq = s.Next++;
            s.InFlight.Add(seq);
        }
        var view = meta.StreamViewType ?? "KEYS_ONLY";
        var keys = KeyOf(meta, (updated ?? old)!);
        var record = new DynamoDbStreamRecord
        {
            Sequence = seq,
            EventId = Guid.NewGuid().ToString("N"),
            EventName = old is null ? "INSERT" : updated is null ? "REMOVE" : "MODIFY",
            CreatedMs = _clock.GetUtcNow().ToUnixTimeMilliseconds(),
            Keys = Values.Encode(keys),
            ByTtl = byTtl,
        };
        long size = Values.ItemSize(keys);
        if (updated is not null && view is "NEW_IMAGE" or "NEW_AND_OLD_IMAGES")
        {
            record.NewImage = Values.Encode(updated);
            size += Values.ItemSize(updated);
        }
        if (old is not null && view is "OLD_IMAGE" or "NEW_AND_OLD_IMAGES")
        {
            record.OldImage = Values.Encode(old);
            size += Values.ItemSize(old);
        }
        record.SizeBytes = size;
        batch.Put(table, DynamoDbStreamRecord.FormatSequence(seq), StreamJson.Serialize(record));
        return new StreamAppend(s, seq);
    }

    /// <summary>Records a newly enabled stream, or closes the current one (disable / table deletion).</summary>
    private async ValueTask RegisterStreamAsync(string account, string region, TableMeta meta, bool enabled, CancellationToken ct)
    {
        if (meta.StreamLabel is null) return;
        var key = StreamKey(account, region, meta.Name, meta.StreamLabel);
        DynamoDbStreamInfo info;
        if (enabled)
        {
            var created = DateTimeOffset.ParseExact(meta.StreamLabel, "yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            info = new DynamoDbStreamInfo
            {
                Arn = meta.Arn + "/stream/" + meta.StreamLabel,
                Account = account,
                Region = region,
                TableName = meta.Name,
                TableId = meta.Id,
                Label = meta.StreamLabel,
                ViewType = meta.StreamViewType ?? "KEYS_ONLY",
                KeySchema = meta.KeySchema,
                CreatedMs = created.ToUnixTimeMilliseconds(),
                ShardId = "shardId-" + created.ToUnixTimeMilliseconds().ToString("D20", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..8],
            };
        }
        else
        {
            var data = await _state.GetAsync(StreamsTable, key, ct).ConfigureAwait(false);
            if (data is null) return;
            info = StreamJson.DeserializeInfo(data);
            var s = await SequencesAsync(StreamRecordsTable(info.TableId, info.Label), ct).ConfigureAwait(false);
            info.Status = "DISABLED";
            lock (s) info.EndSequence = s.Next - 1;
        }
        await _state.CommitAsync(new WriteBatch().Put(StreamsTable, key, StreamJson.Serialize(info)), ct).ConfigureAwait(false);
    }

    public async ValueTask<List<DynamoDbStreamInfo>> ListStreamsAsync(string account, string region, string? tableName, CancellationToken ct)
    {
        var prefix = tableName is null ? $"{account}/{region}/" : $"{account}/{region}/{tableName}/";
        var list = new List<DynamoDbStreamInfo>();
        await foreach (var kv in _state.ScanAsync(StreamsTable, new ScanRange { Prefix = prefix }, ct).ConfigureAwait(false))
        {
            var info = StreamJson.DeserializeInfo(kv.Value);
            list.Add(info);
        }
        return list.OrderBy(s => s.Arn, StringComparer.Ordinal).ToList();
    }

    public async ValueTask<DynamoDbStreamInfo?> FindStreamAsync(string account, string region, string streamArn, CancellationToken ct)
    {
        var prefix = $"arn:aws:dynamodb:{region}:{account}:table/";
        if (!streamArn.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var rest = streamArn[prefix.Length..];
        var at = rest.IndexOf("/stream/", StringComparison.Ordinal);
        if (at <= 0) return null;
        var data = await _state.GetAsync(StreamsTable, StreamKey(account, region, rest[..at], rest[(at + 8)..]), ct).ConfigureAwait(false);
        return data is null ? null : StreamJson.DeserializeInfo(data);
    }

    public async ValueTask<DynamoDbStreamRead> ReadAsync(DynamoDbStreamInfo stream, long from, int limit, CancellationToken ct)
    {
        var table = StreamRecordsTable(stream.TableId, stream.Label);
        var s = await SequencesAsync(table, ct).ConfigureAwait(false);
        long bound;
        lock (s) bound = s.InFlight.Count > 0 ? s.InFlight.Min : s.Next;
        var read = new DynamoDbStreamRead { Next = bound };
        var horizonMs = (_clock.GetUtcNow() - StreamRetention).ToUnixTimeMilliseconds();
        // The oldest retained record (records are in creation order, so skip the expired prefix).
        await foreach (var kv in _state.ScanAsync(table, ScanRange.All, ct).ConfigureAwait(false))
        {
            var r = StreamJson.DeserializeRecord(kv.Value);
            if (r.CreatedMs < horizonMs) continue;
            read.TrimHorizon = r.Sequence;
            break;
        }
        var trimmedBelow = read.TrimHorizon ?? bound;
        if (from >= 1 && from < trimmedBelow)
        {
            // A record at or after `from` that has aged out means the reader lost data.
            await foreach (var kv in _state.ScanAsync(table, new ScanRange { FromKey = DynamoDbStreamRecord.FormatSequence(from), Limit = 1 }, ct).ConfigureAwait(false))
            {
                if (DynamoDbStreamRecord.TryParseSequence(kv.Key, out var seq) && seq < trimmedBelow) read.Trimmed = true;
            }
            if (read.Trimmed) return read;
        }
        var start = Math.Max(from, trimmedBelow);
        if (start >= bound) return read;
        await foreach (var kv in _state.ScanAsync(table, new ScanRange { FromKey = DynamoDbStreamRecord.FormatSequence(start), Limit = limit }, ct).ConfigureAwait(false))
        {
            var r = StreamJson.DeserializeRecord(kv.Value);
            if (r.Sequence >= bound) break;
            read.Records.Add(r);
        }
        return read;
    }

    /// <summary>Deletes stream records older than the 24-hour retention (part of the background sweep).</summary>
    private async ValueTask TrimStreamsAsync(CancellationToken ct)
    {
        var horizonMs = (_clock.GetUtcNow() - StreamRetention).ToUnixTimeMilliseconds();
        var streams = new List<DynamoDbStreamInfo>();
        await foreach (var kv in _state.ScanAsync(StreamsTable, ScanRange.All, ct).ConfigureAwait(false))
        {
            streams.Add(StreamJson.DeserializeInfo(kv.Value));
        }
        foreach (var info in streams)
        {
            var table = StreamRecordsTable(info.TableId, info.Label);
            var batch = new WriteBatch();
            var n = 0;
            var last = 0L;
            await foreach (var kv in _state.ScanAsync(table, new ScanRange { Limit = 1000 }, ct).ConfigureAwait(false))
            {
                var r = StreamJson.DeserializeRecord(kv.Value);
                if (r.CreatedMs >= horizonMs) break;
                batch.Delete(table, kv.Key);
                last = r.Sequence;
                n++;
            }
            // Keep the newest trimmed record's key as a tombstone-free marker: readers detect trimming by the
            // first retained record, so deleting all but the last expired record would lose that; keep one.
            if (n > 1)
            {
                var keep = new WriteBatch();
                foreach (var op in batch.Operations)
                {
                    if (op.Key != DynamoDbStreamRecord.FormatSequence(last)) keep.Delete(op.Table, op.Key);
                }
                await _state.CommitAsync(keep, ct).ConfigureAwait(false);
            }
        }
    }
}
