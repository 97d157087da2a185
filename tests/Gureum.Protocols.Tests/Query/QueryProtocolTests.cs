using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Query;
using Gureum.Protocols.Validation;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Tests.Query;

/// <summary>The query protocol and its EC2 variant, with parameters laid out as botocore sends them.</summary>
public class QueryProtocolTests
{
    private static WireRequest Form(string body) => new()
    {
        Method = "POST",
        RawPath = "/",
        RawQuery = "",
        Headers = new HeaderCollection(),
        Body = Encoding.UTF8.GetBytes(body),
    };

    private static Dictionary<string, object?> Parse(string service, string operation, string body, bool ec2 = false) =>
        new QueryProtocol(ec2).ParseRequest(ModelCatalog.Get(service).Operations[operation], Form(body), null);

    [Fact]
    public void IamListMembersAndScalars()
    {
        var input = Parse("iam", "CreateUser",
            "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F&Tags.member.1.Key=env&Tags.member.1.Value=dev&Tags.member.2.Key=a+b&Tags.member.2.Value=%E2%82%AC");
        Assert.Equal("alice", input["UserName"]);
        Assert.Equal("/team/", input["Path"]);
        var tags = Assert.IsType<List<object?>>(input["Tags"]);
        Assert.Equal(2, tags.Count);
        var second = Assert.IsType<Dictionary<string, object?>>(tags[1]);
        Assert.Equal("a b", second["Key"]);
        Assert.Equal("€", second["Value"]);
    }

    [Fact]
    public void EmptyListIsSentAsEmptyValue()
    {
        var input = Parse("iam", "CreateUser", "Action=CreateUser&Version=2010-05-08&UserName=bob&Tags=");
        Assert.Empty(Assert.IsType<List<object?>>(input["Tags"]));
    }

    [Fact]
    public void IntegersBooleansAndTimestampsAreTyped()
    {
        var input = Parse("sts", "AssumeRole", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::1:role/r&RoleSessionName=s&DurationSeconds=900");
        Assert.Equal(900, input["DurationSeconds"]);
    }

    [Fact]
    public void BadIntegerIsTheServicesValidationError()
    {
        var error = Assert.Throws<AwsServiceException>(() =>
            Parse("sts", "AssumeRole", "Action=AssumeRole&Version=2011-06-15&RoleArn=a&RoleSessionName=s&DurationSeconds=ten"));
        Assert.Equal("ValidationError", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public void SnsMessageAttributesMap()
    {
        var input = Parse("sns", "Publish",
            "Action=Publish&Version=2010-03-31&TopicArn=arn&Message=hi&MessageAttributes.entry.1.Name=color&MessageAttributes.entry.1.Value.DataType=String&MessageAttributes.entry.1.Value.StringValue=red");
        var map = Assert.IsType<Dictionary<string, object?>>(input["MessageAttributes"]);
        var color = Assert.IsType<Dictionary<string, object?>>(map["color"]);
        Assert.Equal("String", color["DataType"]);
        Assert.Equal("red", color["StringValue"]);
    }

    [Fact]
    public void Ec2ListsAreFlattenedWithCapitalisedNames()
    {
        var input = Parse("ec2", "DescribeInstances",
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&InstanceId.2=i-2&Filter.1.Name=tag%3AName&Filter.1.Value.1=web&MaxResults=5", ec2: true);
        Assert.Equal(["i-1", "i-2"], Assert.IsType<List<object?>>(input["InstanceIds"]));
        var filter = Assert.IsType<Dictionary<string, object?>>(Assert.Single(Assert.IsType<List<object?>>(input["Filters"])));
        Assert.Equal("tag:Name", filter["Name"]);
        Assert.Equal(["web"], Assert.IsType<List<object?>>(filter["Values"]));
        Assert.Equal(5, input["MaxResults"]);
    }

    [Fact]
    public void ResponseUsesResultWrapperAndRequestId()
    {
        var operation = ModelCatalog.Get("sts").Operations["GetCallerIdentity"];
        var response = new QueryProtocol(false).SerializeResponse(operation,
            new Dictionary<string, object?> { ["Account"] = "123456789012", ["Arn"] = "arn:aws:iam::123456789012:root", ["UserId"] = "123456789012" },
            new ResponseInfo("req-1", DateTimeOffset.UnixEpoch));
        var xml = Encoding.UTF8.GetString(response.Body.Span);
        Assert.StartsWith("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>", xml, StringComparison.Ordinal);
        Assert.Contains("<Account>123456789012</Account>", xml, StringComparison.Ordinal);
        Assert.EndsWith("<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>", xml, StringComparison.Ordinal);
        Assert.Equal("text/xml", response.ContentType);
    }

    [Fact]
    public void ListsAreWrappedInMemberElements()
    {
        var operation = ModelCatalog.Get("iam").Operations["ListUsers"];
        var user = new Dictionary<string, object?> { ["UserName"] = "alice", ["CreateDate"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero) };
        var response = new QueryProtocol(false).SerializeResponse(operation,
            new Dictionary<string, object?> { ["Users"] = new List<object?> { user }, ["IsTruncated"] = false },
            new ResponseInfo("r", DateTimeOffset.UnixEpoch));
        var xml = Encoding.UTF8.GetString(response.Body.Span);
        // Members come out in the model's order, as AWS writes them.
        Assert.Contains("<Users><member><UserName>alice</UserName><CreateDate>2024-01-02T03:04:05Z</CreateDate></member></Users>", xml, StringComparison.Ordinal);
        Assert.Contains("<IsTruncated>false</IsTruncated>", xml, StringComparison.Ordinal);
    }

    [Fact]
    public void ErrorsAreErrorResponseWithType()
    {
        var response = new QueryProtocol(false).SerializeError(ModelCatalog.Get("iam"), null,
            new AwsServiceException("NoSuchEntity", "The user with name x cannot be found.", 404), new ResponseInfo("r-9", DateTimeOffset.UnixEpoch));
        var xml = Encoding.UTF8.GetString(response.Body.Span);
        Assert.Equal(404, response.Status);
        Assert.Equal("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name x cannot be found.</Message></Error><RequestId>r-9</RequestId></ErrorResponse>", xml);
    }

    [Fact]
    public void Ec2ErrorsUseResponseErrorsShape()
    {
        var response = new QueryProtocol(true).SerializeError(ModelCatalog.Get("ec2"), null,
            new AwsServiceException("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", 400), new ResponseInfo("r-1", DateTimeOffset.UnixEpoch));
        Assert.Equal("<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-1' does not exist</Message></Error></Errors><RequestID>r-1</RequestID></Response>",
            Encoding.UTF8.GetString(response.Body.Span));
    }
}

public class InputValidatorTests
{
    private static OperationModel Op(string service, string name) => ModelCatalog.Get(service).Operations[name];

    [Fact]
    public void MissingRequiredMemberIsReportedAsDynamoDbDoes()
    {
        var error = Assert.Throws<AwsServiceException>(() => InputValidator.Validate(Op("dynamodb", "GetItem"),
            new Dictionary<string, object?> { ["Key"] = new Dictionary<string, object?>() }));
        Assert.Equal("ValidationException", error.Code);
        Assert.Equal("1 validation error detected: Value null at 'tableName' failed to satisfy constraint: Member must not be null", error.Message);
    }

    [Fact]
    public void LengthPatternAndEnumViolationsAreCountedTogether()
    {
        var error = Assert.Throws<AwsServiceException>(() => InputValidator.Validate(Op("dynamodb", "GetItem"),
            new Dictionary<string, object?>
            {
                ["TableName"] = "",
                ["Key"] = new Dictionary<string, object?>(),
                ["ReturnConsumedCapacity"] = "SOME",
            }));
        Assert.StartsWith("2 validation errors detected: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("Value 'SOME' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QueryStyleServicesNameTheMissingParameter()
    {
        var error = Assert.Throws<AwsServiceException>(() => InputValidator.Validate(Op("sqs", "CreateQueue"), new Dictionary<string, object?>()));
        Assert.Equal("MissingParameter", error.Code);
        Assert.Equal("The request must contain the parameter QueueName.", error.Message);
    }

    [Fact]
    public void ValidInputPasses() =>
        InputValidator.Validate(Op("dynamodb", "GetItem"), new Dictionary<string, object?>
        {
            ["TableName"] = "orders",
            ["Key"] = new Dictionary<string, object?> { ["id"] = new Dictionary<string, object?> { ["S"] = "1" } },
        });
}

public class PatternValidationTests
{
    [Fact]
    public void PatternsMustMatchTheWholeValue()
    {
        var error = Assert.Throws<AwsServiceException>(() => InputValidator.Validate(ModelCatalog.Get("logs").Operations["CreateLogGroup"],
            new Dictionary<string, object?> { ["logGroupName"] = "bad name!" }));
        Assert.Equal("InvalidParameterException", error.Code);
        Assert.Contains("Member must satisfy regular expression pattern", error.Message, StringComparison.Ordinal);
    }
}
