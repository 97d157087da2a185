using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.DocumentModel;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Gureum.Server;

namespace Gureum.Services.DynamoDb.Tests;

/// <summary>An in-memory Gureum server on a free port for the AWS SDK for .NET tests.</summary>
public sealed class DdbServerFixture : IAsyncLifetime
{
    private GureumHost? _host;

    public string Url => _host!.Url;

    public async Task InitializeAsync()
    {
        _host = GureumHost.Create(new ServerOptions { Port = 0, InMemory = true, Quiet = true });
        await _host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
    }
}

public sealed class DotnetSdkTests(DdbServerFixture server) : IClassFixture<DdbServerFixture>
{
    private AmazonDynamoDBClient Client() => new(new BasicAWSCredentials("test", "test"),
        new AmazonDynamoDBConfig { ServiceURL = server.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private static async Task CreateAsync(AmazonDynamoDBClient client, string name) =>
        await client.CreateTableAsync(new CreateTableRequest
        {
            TableName = name,
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S), new AttributeDefinition("sk", ScalarAttributeType.N)],
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });

    [Fact]
    public async Task LowLevelClientRoundTripAndTypedErrors()
    {
        using var client = Client();
        await CreateAsync(client, "net-low");
        var described = await client.DescribeTableAsync("net-low");
        Assert.Equal(TableStatus.ACTIVE, described.Table.TableStatus);
        Assert.Equal("PAY_PER_REQUEST", described.Table.BillingModeSummary.BillingMode.Value);
        await client.PutItemAsync("net-low", new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "a" }, ["sk"] = new() { N = "1.0" }, ["list"] = new() { L = [new() { S = "x" }] },
        });
        var got = await client.GetItemAsync(new GetItemRequest
        {
            TableName = "net-low",
            Key = new() { ["pk"] = new() { S = "a" }, ["sk"] = new() { N = "1" } },
            ConsistentRead = true,
        });
        Assert.Equal("1", got.Item["sk"].N);
        Assert.Equal("x", got.Item["list"].L[0].S);
        var failed = await Assert.ThrowsAsync<ConditionalCheckFailedException>(() => client.PutItemAsync(new PutItemRequest
        {
            TableName = "net-low",
            Item = new() { ["pk"] = new() { S = "a" }, ["sk"] = new() { N = "1" } },
            ConditionExpression = "attribute_not_exists(pk)",
        }));
        Assert.Equal("The conditional request failed", failed.Message);
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => client.DescribeTableAsync("net-none"));
        Assert.Equal("Requested resource not found: Table: net-none not found", missing.Message);
        var invalid = await Assert.ThrowsAsync<AmazonDynamoDBException>(() => client.QueryAsync(new QueryRequest
        {
            TableName = "net-low",
            KeyConditionExpression = "sk = :v",
            ExpressionAttributeValues = new() { [":v"] = new() { N = "1" } },
        }));
        Assert.Equal("ValidationException", invalid.ErrorCode);
        Assert.Equal("Query condition missed key schema element: pk", invalid.Message);
    }

    [Fact]
    public async Task DocumentModelTableWorks()
    {
        using var client = Client();
        await CreateAsync(client, "net-doc");
        var table = new TableBuilder(client, "net-doc").AddHashKey("pk", DynamoDBEntryType.String).AddRangeKey("sk", DynamoDBEntryType.Numeric).Build();
        for (var i = 0; i < 5; i++)
        {
            var doc = new Document { ["pk"] = "p", ["sk"] = i, ["name"] = "n" + i };
            await table.PutItemAsync(doc);
        }
        var item = await table.GetItemAsync("p", 3);
        Assert.Equal("n3", item["name"].AsString());
        var search = table.Query("p", new QueryFilter("sk", QueryOperator.GreaterThan, 2));
        var results = await search.GetRemainingAsync();
        Assert.Equal([3, 4], results.Select(d => d["sk"].AsInt()).ToArray());
    }
}
