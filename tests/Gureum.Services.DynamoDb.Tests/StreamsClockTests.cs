using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using Gureum.Server;

namespace Gureum.Services.DynamoDb.Tests;

/// <summary>A clock the tests move: the server's one TimeProvider, offset from real time.</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}

/// <summary>Streams and TTL behaviour that depends on time, with the AWS SDK for .NET against an in-process server.</summary>
public sealed class StreamsClockTests : IAsyncLifetime
{
    private readonly MovableClock _clock = new();
    private GureumHost? _host;

    public async Task InitializeAsync()
    {
        _host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true }, _clock);
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }

    private AmazonDynamoDBClient Ddb() => new(new BasicAWSCredentials("test", "test"),
        new AmazonDynamoDBConfig { ServiceURL = _host!.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private StreamsWire Streams() => new(_host!.Url, _clock);

    private async Task<(string Arn, string Shard)> CreateAsync(AmazonDynamoDBClient ddb, StreamsWire streams, string name)
    {
        var created = await ddb.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_AND_OLD_IMAGES },
        });
        var arn = created.TableDescription.LatestStreamArn;
        var described = await streams.OkAsync("DescribeStream", new JsonObject { ["StreamArn"] = arn });
        return (arn, (string)described["StreamDescription"]!["Shards"]![0]!["ShardId"]!);
    }

    [Fact]
    public async Task IteratorsExpireAfterFifteenMinutes()
    {
        using var ddb = Ddb();
        using var streams = Streams();
        var (arn, shard) = await CreateAsync(ddb, streams, "clk-iter");
        await ddb.PutItemAsync("clk-iter", new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" } });
        var it = await streams.IteratorAsync(arn, shard, "TRIM_HORIZON");
        var first = await streams.RecordsAsync(it);
        var records = first["Records"]!.AsArray();
        Assert.Single(records);
        Assert.Equal("INSERT", (string)records[0]!["eventName"]!);
        Assert.Equal("a", (string)records[0]!["dynamodb"]!["NewImage"]!["pk"]!["S"]!);
        _clock.Offset += TimeSpan.FromMinutes(16);
        var (status, error) = await streams.CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = it });
        Assert.Equal(400, status);
        Assert.EndsWith("ExpiredIteratorException", (string)error["__type"]!);
        Assert.Equal("Shard iterator has expired", (string)error["message"]!);
        // The iterator a read hands back is fresh.
        var next = await streams.RecordsAsync(await streams.IteratorAsync(arn, shard, "LATEST"));
        Assert.Empty(next["Records"]!.AsArray());
    }

    [Fact]
    public async Task RecordsAreTrimmedAfterTwentyFourHours()
    {
        using var ddb = Ddb();
        using var streams = Streams();
        var (arn, shard) = await CreateAsync(ddb, streams, "clk-trim");
        await ddb.PutItemAsync("clk-trim", new Dictionary<string, AttributeValue> { ["pk"] = new() { S = "a" } });
        var records = (await streams.RecordsAsync(await streams.IteratorAsync(arn, shard, "TRIM_HORIZON")))["Records"]!.AsArray();
        var seq = (string)records[0]!["dynamodb"]!["SequenceNumber"]!;
        _clock.Offset += TimeSpan.FromHours(25);
        await streams.DynamoDbAsync("PutItem", new JsonObject { ["TableName"] = "clk-trim", ["Item"] = new JsonObject { ["pk"] = new JsonObject { ["S"] = "b" } } });
        var (status, error) = await streams.CallAsync("GetShardIterator", new JsonObject
        {
            ["StreamArn"] = arn, ["ShardId"] = shard, ["ShardIteratorType"] = "AT_SEQUENCE_NUMBER", ["SequenceNumber"] = seq,
        });
        Assert.Equal(400, status);
        Assert.EndsWith("TrimmedDataAccessException", (string)error["__type"]!);
        Assert.Equal("The operation attempted to read past the oldest stream record in a shard.", (string)error["message"]!);
        var horizon = (await streams.RecordsAsync(await streams.IteratorAsync(arn, shard, "TRIM_HORIZON")))["Records"]!.AsArray();
        Assert.Equal(["b"], horizon.Select(r => (string)r!["dynamodb"]!["Keys"]!["pk"]!["S"]!));
    }

    [Fact]
    public async Task TtlSweepFollowsTheMovedClock()
    {
        using var ddb = Ddb();
        using var streams = Streams();
        var (arn, shard) = await CreateAsync(ddb, streams, "clk-ttl");
        await ddb.UpdateTimeToLiveAsync(new UpdateTimeToLiveRequest
        {
            TableName = "clk-ttl", TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = "exp", Enabled = true },
        });
        var expiry = _clock.GetUtcNow().AddHours(1).ToUnixTimeSeconds();
        await ddb.PutItemAsync("clk-ttl", new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "a" }, ["exp"] = new() { N = expiry.ToString(CultureInfo.InvariantCulture) },
        });
        await Task.Delay(1500);
        Assert.True((await ddb.GetItemAsync("clk-ttl", new() { ["pk"] = new() { S = "a" } })).IsItemSet);
        _clock.Offset += TimeSpan.FromHours(2);
        var get = new JsonObject { ["TableName"] = "clk-ttl", ["Key"] = new JsonObject { ["pk"] = new JsonObject { ["S"] = "a" } } };
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (await streams.DynamoDbAsync("GetItem", (JsonObject)get.DeepClone()))["Item"] is not null)
        {
            await Task.Delay(100);
        }
        Assert.Null((await streams.DynamoDbAsync("GetItem", (JsonObject)get.DeepClone()))["Item"]);
        var all = (await streams.RecordsAsync(await streams.IteratorAsync(arn, shard, "TRIM_HORIZON")))["Records"]!.AsArray();
        var remove = Assert.Single(all, r => (string)r!["eventName"]! == "REMOVE")!;
        Assert.Equal("Service", (string)remove["userIdentity"]!["Type"]!);
        Assert.Equal("dynamodb.amazonaws.com", (string)remove["userIdentity"]!["PrincipalId"]!);
        Assert.Equal(expiry.ToString(CultureInfo.InvariantCulture), (string)remove["dynamodb"]!["OldImage"]!["exp"]!["N"]!);
    }
}
