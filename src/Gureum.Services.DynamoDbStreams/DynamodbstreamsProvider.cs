using System.Globalization;
using System.Text;
using Gureum.Api.Dynamodbstreams;
using Gureum.Core;
using Gureum.Services.DynamoDb;
using Ddb = Gureum.Api.Dynamodb;

namespace Gureum.Services.DynamoDbStreams;

/// <summary>
/// Amazon DynamoDB Streams: reads the change log of DynamoDB tables through <see cref="IDynamoDbStreamSource"/>
/// (never the tables' storage). Each stream has one shard; shard iterators are self-describing tokens that
/// expire after 15 minutes on the shared clock.
/// </summary>
public sealed class DynamodbstreamsProvider(IDynamoDbStreamSource source) : DynamodbstreamsServiceBase
{
    internal static readonly TimeSpan IteratorLifetime = TimeSpan.FromMinutes(15);

    private static AwsServiceException Validation(string message) => new("ValidationException", message, 400);

    private async ValueTask<DynamoDbStreamInfo> StreamAsync(RequestContext context, string? arn, CancellationToken ct)
    {
        var stream = arn is null ? null : await source.FindStreamAsync(context.AccountId, context.Region, arn, ct).ConfigureAwait(false);
        return stream ?? throw new ResourceNotFoundException($"Requested resource not found: Stream: {arn} not found");
    }

    public override async ValueTask<ListStreamsOutput> ListStreamsAsync(RequestContext context, ListStreamsInput request, CancellationToken cancellationToken)
    {
        var all = await source.ListStreamsAsync(context.AccountId, context.Region, request.TableName, cancellationToken).ConfigureAwait(false);
        var limit = request.Limit ?? 100;
        var start = request.ExclusiveStartStreamArn is { } after
            ? all.FindIndex(s => string.CompareOrdinal(s.Arn, after) > 0)
            : 0;
        if (start < 0) start = all.Count;
        var page = all.Skip(start).Take(limit).ToList();
        return new ListStreamsOutput
        {
            Streams = page.Select(s => new Gureum.Api.Dynamodbstreams.Stream { StreamArn = s.Arn, TableName = s.TableName, StreamLabel = s.Label }).ToList(),
            LastEvaluatedStreamArn = start + limit < all.Count ? page[^1].Arn : null,
        };
    }

    public override async ValueTask<DescribeStreamOutput> DescribeStreamAsync(RequestContext context, DescribeStreamInput request, CancellationToken cancellationToken)
    {
        var stream = await StreamAsync(context, request.StreamArn, cancellationToken).ConfigureAwait(false);
        var shard = new Shard
        {
            ShardId = stream.ShardId,
            SequenceNumberRange = new SequenceNumberRange
            {
                StartingSequenceNumber = DynamoDbStreamRecord.FormatSequence(1),
                EndingSequenceNumber = stream.EndSequence is { } end ? DynamoDbStreamRecord.FormatSequence(Math.Max(1, end)) : null,
            },
        };
        var shards = new List<Shard>();
        if (request.ExclusiveStartShardId is null || string.CompareOrdinal(request.ExclusiveStartShardId, stream.ShardId) < 0)
        {
            shards.Add(shard);
        }
        return new DescribeStreamOutput
        {
            StreamDescription = new StreamDescription
            {
                StreamArn = stream.Arn,
                StreamLabel = stream.Label,
                StreamStatus = stream.Status,
                StreamViewType = stream.ViewType,
                CreationRequestDateTime = DateTimeOffset.FromUnixTimeMilliseconds(stream.CreatedMs),
                TableName = stream.TableName,
                KeySchema = stream.KeySchema.Select(k => new KeySchemaElement { AttributeName = k.Name, KeyType = k.Type }).ToList(),
                Shards = shards,
            },
        };
    }

    // ================= iterators =================

    /// <summary>What an iterator token carries: the stream, the shard, the next sequence to read (0 = trim horizon) and when it was issued.</summary>
    private sealed record Position(string StreamArn, string ShardId, long From, long IssuedMs);

    private string Encode(Position p)
    {
        var payload = string.Join('\n', p.StreamArn, p.ShardId, p.From.ToString(CultureInfo.InvariantCulture), p.IssuedMs.ToString(CultureInfo.InvariantCulture));
        return p.StreamArn + "|1|" + Convert.ToBase64String(Encoding.UTF8.GetBytes(payload));
    }

    private static Position? Decode(string token)
    {
        var bar = token.LastIndexOf('|');
        if (bar < 0) return null;
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token[(bar + 1)..])).Split('\n');
            if (parts.Length != 4) return null;
            return new Position(parts[0], parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture), long.Parse(parts[3], CultureInfo.InvariantCulture));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public override async ValueTask<GetShardIteratorOutput> GetShardIteratorAsync(RequestContext context, GetShardIteratorInput request, CancellationToken cancellationToken)
    {
        var stream = await StreamAsync(context, request.StreamArn, cancellationToken).ConfigureAwait(false);
        if (request.ShardId != stream.ShardId)
        {
            throw new ResourceNotFoundException($"Requested resource not found: Shard does not exist");
        }
        var type = request.ShardIteratorType!;
        long from;
        if (type is "AT_SEQUENCE_NUMBER" or "AFTER_SEQUENCE_NUMBER")
        {
            if (request.SequenceNumber is null)
            {
                throw Validation($"Must specify a sequence number for iterator type {type}");
            }
            if (!DynamoDbStreamRecord.TryParseSequence(request.SequenceNumber, out var seq))
            {
                throw Validation($"Invalid SequenceNumber for ShardIteratorType {type}: {request.SequenceNumber}");
            }
            from = type == "AT_SEQUENCE_NUMBER" ? seq : seq + 1;
            var probe = await source.ReadAsync(stream, Math.Max(1, from), 1, cancellationToken).ConfigureAwait(false);
            if (probe.Trimmed)
            {
                throw new TrimmedDataAccessException("The operation attempted to read past the oldest stream record in a shard.");
            }
            if (seq >= probe.Next && (stream.EndSequence is null || seq > stream.EndSequence))
            {
                throw Validation($"Invalid SequenceNumber for ShardIteratorType {type}: {request.SequenceNumber}");
            }
        }
        else if (request.SequenceNumber is not null)
        {
            throw Validation($"Sequence number must not be specified for iterator type {type}");
        }
        else if (type == "LATEST")
        {
            from = (await source.ReadAsync(stream, long.MaxValue, 0, cancellationToken).ConfigureAwait(false)).Next;
        }
        else
        {
            from = 0;
        }
        var now = source.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        return new GetShardIteratorOutput { ShardIterator = Encode(new Position(stream.Arn, stream.ShardId, from, now)) };
    }

    public override async ValueTask<GetRecordsOutput> GetRecordsAsync(RequestContext context, GetRecordsInput request, CancellationToken cancellationToken)
    {
        var position = Decode(request.ShardIterator!) ?? throw Validation("Invalid ShardIterator");
        var limit = request.Limit ?? 1000;
        if (limit > 1000)
        {
            throw Validation($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000");
        }
        var now = source.Clock.GetUtcNow();
        var issued = DateTimeOffset.FromUnixTimeMilliseconds(position.IssuedMs);
        if (now - issued > IteratorLifetime)
        {
            throw new ExpiredIteratorException("Shard iterator has expired");
        }
        var stream = await StreamAsync(context, position.StreamArn, cancellationToken).ConfigureAwait(false);
        var read = await source.ReadAsync(stream, position.From, limit, cancellationToken).ConfigureAwait(false);
        if (read.Trimmed)
        {
            throw new TrimmedDataAccessException("The operation attempted to read past the oldest stream record in a shard.");
        }
        var records = read.Records.Select(r => ToRecord(stream, r)).ToList();
        var next = read.Records.Count > 0 ? read.Records[^1].Sequence + 1 : Math.Max(position.From, read.TrimHorizon ?? read.Next);
        if (position.From == 0 && read.Records.Count == 0) next = 0;
        string? nextIterator = Encode(position with { From = next, IssuedMs = now.ToUnixTimeMilliseconds() });
        if (stream.EndSequence is { } end && (read.Records.Count == 0 || read.Records[^1].Sequence >= end) && next > end)
        {
            nextIterator = null; // the shard is closed and fully read
        }
        else if (stream.EndSequence is { } closed && read.Records.Count == 0 && read.Next > closed)
        {
            nextIterator = null;
        }
        return new GetRecordsOutput { Records = records, NextShardIterator = nextIterator };
    }

    private static Record ToRecord(DynamoDbStreamInfo stream, DynamoDbStreamRecord r)
    {
        var created = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedMs / 1000 * 1000);
        return new Record
        {
            EventID = r.EventId,
            EventName = r.EventName,
            EventVersion = "1.1",
            EventSource = "aws:dynamodb",
            AwsRegion = stream.Region,
            Dynamodb = new StreamRecord
            {
                ApproximateCreationDateTime = created,
                Keys = ToStreams(r.KeysMap),
                NewImage = r.NewImageMap is { } n ? ToStreams(n) : null,
                OldImage = r.OldImageMap is { } o ? ToStreams(o) : null,
                SequenceNumber = DynamoDbStreamRecord.FormatSequence(r.Sequence),
                SizeBytes = r.SizeBytes,
                StreamViewType = stream.ViewType,
            },
            UserIdentity = r.ByTtl ? new Identity { PrincipalId = "dynamodb.amazonaws.com", Type = "Service" } : null,
        };
    }

    private static Dictionary<string, AttributeValue> ToStreams(Dictionary<string, Ddb.AttributeValue> map) =>
        map.ToDictionary(kv => kv.Key, kv => AttributeValue.FromTree(kv.Value.ToTree())!, StringComparer.Ordinal);
}
