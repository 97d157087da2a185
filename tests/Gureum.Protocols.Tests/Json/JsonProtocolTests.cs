using System.Text.Json;
using Gureum.Core;
using Gureum.Protocols.Json;
using Gureum.Protocols.Model;
using Gureum.Protocols.Tests.Support;

namespace Gureum.Protocols.Tests.Json;

public class JsonProtocolTests
{
    private static readonly JsonProtocol Protocol = new();

    [Fact]
    public void DynamoDbPutItemFromBotocoreParsesNestedAttributeValues()
    {
        var op = ModelCatalog.Get("dynamodb").Operations["PutItem"];
        var input = Protocol.ParseRequest(op, Fixtures.Request("dynamodb-putitem"), null);

        Assert.Equal("Music", input["TableName"]);
        Assert.Equal("ALL_OLD", input["ReturnValues"]);
        var item = Assert.IsType<Dictionary<string, object?>>(input["Item"]);
        Assert.Equal("No One You Know", ((Dictionary<string, object?>)item["Artist"]!)["S"]);
        Assert.Equal("42", ((Dictionary<string, object?>)item["Plays"]!)["N"]);
        Assert.Equal(new byte[] { 0, 1, 0xfe }, ((Dictionary<string, object?>)item["Cover"]!)["B"]);
        Assert.Equal(new List<object?> { "a", "b" }, ((Dictionary<string, object?>)item["Tags"]!)["SS"]);
        var meta = (Dictionary<string, object?>)((Dictionary<string, object?>)item["Meta"]!)["M"]!;
        var nested = (List<object?>)((Dictionary<string, object?>)meta["Nested"]!)["L"]!;
        Assert.Equal(true, ((Dictionary<string, object?>)nested[0]!)["BOOL"]);
        Assert.Equal(true, ((Dictionary<string, object?>)nested[1]!)["NULL"]);
        var deep = (Dictionary<string, object?>)((Dictionary<string, object?>)nested[2]!)["M"]!;
        Assert.Equal("x", ((Dictionary<string, object?>)deep["Deep"]!)["S"]);
    }

    [Fact]
    public void SqsSendMessageFromBotocoreParsesIntegersAndBlobs()
    {
        var op = ModelCatalog.Get("sqs").Operations["SendMessage"];
        var input = Protocol.ParseRequest(op, Fixtures.Request("sqs-sendmessage"), null);
        Assert.Equal(5, Assert.IsType<int>(input["DelaySeconds"]));
        Assert.Equal("hello", input["MessageBody"]);
        var attributes = (Dictionary<string, object?>)input["MessageAttributes"]!;
        var attribute = (Dictionary<string, object?>)attributes["Attr"]!;
        Assert.Equal(new byte[] { 1, 2 }, attribute["BinaryValue"]);
        Assert.Equal("Binary", attribute["DataType"]);
    }

    [Fact]
    public void EmptyBodyIsAnEmptyInputAndNullsAreAbsent()
    {
        var op = ModelCatalog.Get("sqs").Operations["ListQueues"];
        Assert.Empty(Protocol.ParseRequest(op, Fixtures.Json(""), null));
        Assert.Empty(Protocol.ParseRequest(op, Fixtures.Json("{\"QueueNamePrefix\":null}"), null));
    }

    [Fact]
    public void TimestampsAcceptEpochSecondsAndIso()
    {
        var op = ModelCatalog.Get("logs").Operations["PutLogEvents"];
        var body = "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1700000000000,\"message\":\"m\"}]}";
        var input = Protocol.ParseRequest(op, Fixtures.Json(body), null);
        var events = (List<object?>)input["logEvents"]!;
        Assert.Equal(1700000000000L, ((Dictionary<string, object?>)events[0]!)["timestamp"]);

        var kms = ModelCatalog.Get("dynamodb").Operations["RestoreTableToPointInTime"];
        var restore = Protocol.ParseRequest(kms, Fixtures.Json("{\"TargetTableName\":\"t\",\"RestoreDateTime\":1704164645.5}"), null);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero), restore["RestoreDateTime"]);
        restore = Protocol.ParseRequest(kms, Fixtures.Json("{\"TargetTableName\":\"t\",\"RestoreDateTime\":\"2024-01-02T03:04:05Z\"}"), null);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), restore["RestoreDateTime"]);
    }

    [Theory]
    [InlineData("{\"TableName\":")]
    [InlineData("[1,2]")]
    [InlineData("{\"TableName\":5}")]
    [InlineData("{\"TableName\":\"t\",\"Limit\":\"10\"}")]
    [InlineData("{\"TableName\":\"t\",\"Limit\":1.5}")]
    [InlineData("{\"TableName\":\"t\",\"Limit\":99999999999}")]
    [InlineData("{\"TableName\":\"t\",\"ExclusiveStartKey\":{\"k\":{\"B\":\"not base64!\"}}}")]
    [InlineData("{\"TableName\":\"t\",\"ExclusiveStartKey\":[]}")]
    public void BadInputIsASerializationException(string body)
    {
        var op = ModelCatalog.Get("dynamodb").Operations["Scan"];
        var error = Assert.Throws<AwsServiceException>(() => Protocol.ParseRequest(op, Fixtures.Json(body), null));
        Assert.Equal("SerializationException", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public void ResponseIsJsonWithVersionedContentTypeAndEpochTimestamps()
    {
        var op = ModelCatalog.Get("dynamodb").Operations["DescribeTable"];
        var output = new Dictionary<string, object?>
        {
            ["Table"] = new Dictionary<string, object?>
            {
                ["TableName"] = "Music",
                ["CreationDateTime"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 250, TimeSpan.Zero),
                ["ItemCount"] = 3L,
                ["TableSizeBytes"] = 0L,
            },
        };
        var response = Protocol.SerializeResponse(op, output, Fixtures.Info);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/x-amz-json-1.0", response.ContentType);
        Assert.Equal("req-1234", Fixtures.Header(response, "x-amzn-RequestId"));
        using var doc = JsonDocument.Parse(response.Body);
        var table = doc.RootElement.GetProperty("Table");
        Assert.Equal("Music", table.GetProperty("TableName").GetString());
        Assert.Equal("1704164645.25", table.GetProperty("CreationDateTime").GetRawText());
        Assert.Equal("3", table.GetProperty("ItemCount").GetRawText());
        Assert.DoesNotContain(" ", Fixtures.Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseWithoutOutputIsEmptyObjectAndJson11ForKinesisStyleServices()
    {
        var logs = ModelCatalog.Get("logs");
        var response = Protocol.SerializeResponse(logs.Operations["DeleteLogGroup"], null, Fixtures.Info);
        Assert.Equal("{}", Fixtures.Text(response));
        Assert.Equal("application/x-amz-json-1.1", response.ContentType);
    }

    [Fact]
    public void DoublesAndBlobsAndUnicodeAreWrittenLikeAws()
    {
        var op = ModelCatalog.Get("kms").Operations["Encrypt"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["CiphertextBlob"] = new byte[] { 1, 2, 3 },
            ["KeyId"] = "arn:<é>&",
        }, Fixtures.Info);
        Assert.Equal("{\"CiphertextBlob\":\"AQID\",\"KeyId\":\"arn:<é>&\"}", Fixtures.Text(response));
    }

    [Fact]
    public void ErrorCarriesTypeMessageAndFields()
    {
        var service = ModelCatalog.Get("dynamodb");
        var error = new AwsServiceException("ConditionalCheckFailedException", "The conditional request failed")
            .With("Item", new Dictionary<string, object?> { ["k"] = new Dictionary<string, object?> { ["S"] = "v" } });
        var response = Protocol.SerializeError(service, service.Operations["PutItem"], error, Fixtures.Info);
        Assert.Equal(400, response.Status);
        Assert.Equal("application/x-amz-json-1.0", response.ContentType);
        Assert.Equal("ConditionalCheckFailedException", Fixtures.Header(response, "x-amzn-ErrorType"));
        Assert.DoesNotContain(response.Headers, h => h.Key == "x-amzn-query-error");
        Assert.Equal("{\"__type\":\"ConditionalCheckFailedException\",\"message\":\"The conditional request failed\",\"Item\":{\"k\":{\"S\":\"v\"}}}",
            Fixtures.Text(response));
    }

    [Fact]
    public void SqsErrorIsQueryCompatible()
    {
        var service = ModelCatalog.Get("sqs");
        var error = new AwsServiceException("QueueDoesNotExist", "The specified queue does not exist.");
        var response = Protocol.SerializeError(service, service.Operations["GetQueueUrl"], error, Fixtures.Info);
        Assert.Equal(400, response.Status);
        Assert.Equal("AWS.SimpleQueueService.NonExistentQueue;Sender", Fixtures.Header(response, "x-amzn-query-error"));
        Assert.Equal("{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not exist.\"}",
            Fixtures.Text(response));

        var fault = new AwsServiceException("InternalError", "boom", 500, senderFault: false);
        Assert.Equal("InternalError;Receiver", Fixtures.Header(Protocol.SerializeError(service, null, fault, Fixtures.Info), "x-amzn-query-error"));
    }

    [Fact]
    public void QueryCompatibleHeaderUsesTheModelsLegacyCode()
    {
        var service = ModelCatalog.Get("cloudwatch"); // declares error.code, e.g. InvalidParameterValue
        var error = new AwsServiceException("InvalidParameterValueException", "bad");
        var response = Protocol.SerializeError(service, null, error, Fixtures.Info);
        Assert.Equal("InvalidParameterValue;Sender", Fixtures.Header(response, "x-amzn-query-error"));
        Assert.Contains("\"__type\":\"com.amazonaws.cloudwatch#InvalidParameterValueException\"", Fixtures.Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public void FuzzedBodiesOnlyEverRaiseAwsErrors()
    {
        var op = ModelCatalog.Get("dynamodb").Operations["PutItem"];
        var body = Fixtures.Request("dynamodb-putitem").Body.ToArray();
        foreach (var mutation in Fixtures.Mutations(body))
        {
            Fixtures.OnlyAwsErrors(() => Protocol.ParseRequest(op, Fixtures.Bytes(mutation), null));
        }
        var deep = new string('[', 5000) + new string(']', 5000);
        Fixtures.OnlyAwsErrors(() => Protocol.ParseRequest(op, Fixtures.Json(deep), null));
    }
}
