using System.Text;
using System.Text.Json;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Rest;
using Gureum.Protocols.Tests.Support;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Tests.Rest;

public class RestJsonProtocolTests
{
    private static readonly RestJsonProtocol Protocol = new();

    [Fact]
    public void LambdaInvokeBindsLabelQueryHeadersAndRawPayload()
    {
        var op = ModelCatalog.Get("lambda").Operations["Invoke"];
        var request = Fixtures.Request("lambda-invoke");
        var input = Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
        Assert.Equal("my-func", input["FunctionName"]);
        Assert.Equal("$LATEST", input["Qualifier"]);
        Assert.Equal("RequestResponse", input["InvocationType"]);
        Assert.Equal("Tail", input["LogType"]);
        Assert.Equal("eyJhIjoxfQ==", input["ClientContext"]);
        Assert.Equal("{\"key\":\"value\"}", Encoding.UTF8.GetString(Assert.IsType<byte[]>(input["Payload"])));
    }

    [Fact]
    public void LambdaListFunctionsParsesTypedQueryValues()
    {
        var op = ModelCatalog.Get("lambda").Operations["ListFunctions"];
        var request = Fixtures.Request("lambda-listfunctions");
        var input = Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
        Assert.Equal(10, Assert.IsType<int>(input["MaxItems"]));
        Assert.Equal("abc def", input["Marker"]);
        Assert.Equal("ALL", input["FunctionVersion"]);
    }

    [Fact]
    public void LambdaTagResourceReadsEncodedLabelAndJsonBody()
    {
        var op = ModelCatalog.Get("lambda").Operations["TagResource"];
        var request = Fixtures.Request("lambda-tagresource");
        var input = Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
        Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:f", input["Resource"]);
        Assert.Equal(new Dictionary<string, object?> { ["k"] = "v" }, input["Tags"]);
    }

    [Fact]
    public void InvokeResponseUsesStatusCodeMemberHeadersAndRawPayload()
    {
        var op = ModelCatalog.Get("lambda").Operations["Invoke"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["StatusCode"] = 202,
            ["FunctionError"] = "Unhandled",
            ["ExecutedVersion"] = "$LATEST",
            ["Payload"] = "{\"ok\":true}"u8.ToArray(),
        }, Fixtures.Info);
        Assert.Equal(202, response.Status);
        Assert.Equal("Unhandled", Fixtures.Header(response, "X-Amz-Function-Error"));
        Assert.Equal("$LATEST", Fixtures.Header(response, "X-Amz-Executed-Version"));
        Assert.Equal("req-1234", Fixtures.Header(response, "x-amzn-RequestId"));
        Assert.Equal("{\"ok\":true}", Fixtures.Text(response));
    }

    [Fact]
    public void ResponseCodeFromModelAndJsonBody()
    {
        var op = ModelCatalog.Get("lambda").Operations["CreateFunction"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["FunctionName"] = "f",
            ["MemorySize"] = 128,
        }, Fixtures.Info);
        Assert.Equal(201, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("{\"FunctionName\":\"f\",\"MemorySize\":128}", Fixtures.Text(response));

        var delete = ModelCatalog.Get("lambda").Operations["DeleteAlias"];
        var empty = Protocol.SerializeResponse(delete, null, Fixtures.Info);
        Assert.Equal(204, empty.Status);
        Assert.True(empty.Body.IsEmpty);
    }

    [Fact]
    public void ErrorUsesErrorTypeHeaderAndTheShapesMessageSpelling()
    {
        var service = ModelCatalog.Get("lambda");
        var error = new AwsServiceException("ResourceNotFoundException", "Function not found: f", 404).With("Type", "User");
        var response = Protocol.SerializeError(service, service.Operations["GetFunction"], error, Fixtures.Info);
        Assert.Equal(404, response.Status);
        Assert.Equal("ResourceNotFoundException", Fixtures.Header(response, "x-amzn-ErrorType"));
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("{\"Message\":\"Function not found: f\",\"Type\":\"User\"}", Fixtures.Text(response));

        var gateway = ModelCatalog.Get("apigateway");
        var notFound = Protocol.SerializeError(gateway, null, new AwsServiceException("NotFoundException", "Invalid API identifier specified", 404), Fixtures.Info);
        Assert.Equal("{\"message\":\"Invalid API identifier specified\"}", Fixtures.Text(notFound));
    }

    private const string SyntheticModel = """
    {
      "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01", "endpointPrefix": "syn", "serviceId": "Syn"},
      "operations": {
        "Op": {"name": "Op", "http": {"method": "POST", "requestUri": "/things/{Id}"},
               "input": {"shape": "OpInput"}, "output": {"shape": "OpOutput"}}
      },
      "shapes": {
        "OpInput": {"type": "structure", "members": {
          "Id": {"shape": "Int", "location": "uri", "locationName": "Id"},
          "Names": {"shape": "Strings", "location": "querystring", "locationName": "name"},
          "When": {"shape": "Time", "location": "querystring", "locationName": "when"},
          "Flag": {"shape": "Bool", "location": "header", "locationName": "X-Flag"},
          "Tags": {"shape": "Strings", "location": "header", "locationName": "X-Tags"},
          "Since": {"shape": "Time", "location": "header", "locationName": "X-Since"},
          "Context": {"shape": "Str", "location": "header", "locationName": "X-Context", "jsonvalue": true},
          "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
          "Extra": {"shape": "StrListMap", "location": "querystring"},
          "Body": {"shape": "Str"},
          "Ratio": {"shape": "Dbl"}
        }},
        "OpOutput": {"type": "structure", "members": {
          "Tags": {"shape": "Strings", "location": "header", "locationName": "X-Tags"},
          "Since": {"shape": "Time", "location": "header", "locationName": "X-Since"},
          "Context": {"shape": "Str", "location": "header", "locationName": "X-Context", "jsonvalue": true},
          "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-meta-"},
          "Ratio": {"shape": "Dbl"},
          "At": {"shape": "Time"}
        }},
        "Int": {"type": "integer"}, "Str": {"type": "string"}, "Bool": {"type": "boolean"},
        "Dbl": {"type": "double"}, "Time": {"type": "timestamp"},
        "Strings": {"type": "list", "member": {"shape": "Str"}},
        "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
        "StrListMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Strings"}}
      }
    }
    """;

    private static ServiceModel Synthetic() =>
        ModelLoader.Load("syn", new MemoryStream(Encoding.UTF8.GetBytes(SyntheticModel)));

    [Fact]
    public void AllRestBindingsParse()
    {
        var op = Synthetic().Operations["Op"];
        var headers = new HeaderCollection
        {
            { "X-Flag", "true" },
            { "X-Tags", "a, \"b,c\", d" },
            { "X-Since", "Tue, 02 Jan 2024 03:04:05 GMT" },
            { "X-Context", Convert.ToBase64String("{\"a\":[1,true,\"x\"]}"u8.ToArray()) },
            { "X-Meta-Color", "blue" },
        };
        var request = new WireRequest
        {
            Method = "POST",
            RawPath = "/things/42",
            RawQuery = "name=x&name=y&when=2024-01-02T03%3A04%3A05Z&other=1&other=2&solo=",
            Headers = headers,
            Body = "{\"Body\":\"text\",\"Ratio\":\"NaN\"}"u8.ToArray(),
        };
        var input = Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
        Assert.Equal(42, input["Id"]);
        Assert.Equal(new List<object?> { "x", "y" }, input["Names"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), input["When"]);
        Assert.Equal(true, input["Flag"]);
        Assert.Equal(new List<object?> { "a", "b,c", "d" }, input["Tags"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), input["Since"]);
        var context = Assert.IsType<Dictionary<string, object?>>(input["Context"]);
        Assert.Equal(new List<object?> { 1.0, true, "x" }, context["a"]);
        Assert.Equal(new Dictionary<string, object?> { ["Color"] = "blue" }, input["Meta"]);
        var extra = Assert.IsType<Dictionary<string, object?>>(input["Extra"]);
        Assert.Equal(new List<object?> { "1", "2" }, extra["other"]);
        Assert.Equal(new List<object?> { "" }, extra["solo"]);
        Assert.False(extra.ContainsKey("name"));
        Assert.Equal("text", input["Body"]);
        Assert.True(double.IsNaN((double)input["Ratio"]!));
    }

    [Theory]
    [InlineData("/things/abc", "", "X-Flag", "true")]
    [InlineData("/things/1", "", "X-Flag", "maybe")]
    [InlineData("/things/1", "when=yesterday", "X-Flag", "true")]
    [InlineData("/things/1", "", "X-Context", "!!!")]
    [InlineData("/things/1", "", "X-Context", "bm90IGpzb24=")]
    public void BadBindingsAreSerializationExceptions(string path, string query, string header, string value)
    {
        var op = Synthetic().Operations["Op"];
        var request = new WireRequest { Method = "POST", RawPath = path, RawQuery = query, Headers = new HeaderCollection { { header, value } } };
        var error = Assert.Throws<AwsServiceException>(() => Protocol.ParseRequest(op, request, Fixtures.Labels(op, request)));
        Assert.Equal(400, error.HttpStatus);
    }

    [Fact]
    public void AllRestBindingsSerialize()
    {
        var op = Synthetic().Operations["Op"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["Tags"] = new List<object?> { "a", "b,c" },
            ["Since"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ["Context"] = new Dictionary<string, object?> { ["k"] = "v" },
            ["Meta"] = new Dictionary<string, object?> { ["color"] = "blue" },
            ["Ratio"] = double.PositiveInfinity,
            ["At"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
        }, Fixtures.Info);
        Assert.Equal("a,\"b,c\"", Fixtures.Header(response, "X-Tags"));
        Assert.Equal("Tue, 02 Jan 2024 03:04:05 GMT", Fixtures.Header(response, "X-Since"));
        Assert.Equal("{\"k\":\"v\"}", Encoding.UTF8.GetString(Convert.FromBase64String(Fixtures.Header(response, "X-Context"))));
        Assert.Equal("blue", Fixtures.Header(response, "x-meta-color"));
        Assert.Equal("{\"Ratio\":\"Infinity\",\"At\":1704164645}", Fixtures.Text(response));
    }

    [Fact]
    public void FuzzedBodiesOnlyEverRaiseAwsErrors()
    {
        var op = ModelCatalog.Get("lambda").Operations["CreateFunction"];
        var body = """{"FunctionName":"f","Runtime":"python3.12","Role":"arn:aws:iam::1:role/r","Handler":"h","Code":{"ZipFile":"UEsDBA=="},"MemorySize":128,"Environment":{"Variables":{"A":"b"}},"Tags":{"k":"v"}}"""u8.ToArray();
        var request = Fixtures.Bytes(body, path: "/2015-03-31/functions");
        Assert.Equal("f", Protocol.ParseRequest(op, request, Fixtures.Labels(op, request))["FunctionName"]);
        foreach (var mutation in Fixtures.Mutations(body))
        {
            Fixtures.OnlyAwsErrors(() => Protocol.ParseRequest(op, Fixtures.Bytes(mutation, path: "/2015-03-31/functions"), null));
        }
        Assert.True(JsonDocument.Parse(Fixtures.Text(Protocol.SerializeError(ModelCatalog.Get("lambda"), op,
            new AwsServiceException("X", "\"quoted\" \n"), Fixtures.Info))).RootElement.ValueKind == JsonValueKind.Object);
    }
}
