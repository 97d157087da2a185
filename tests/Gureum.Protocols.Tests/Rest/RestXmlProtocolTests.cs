using System.Text;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Rest;
using Gureum.Protocols.Tests.Support;

namespace Gureum.Protocols.Tests.Rest;

public class RestXmlProtocolTests
{
    private static readonly RestXmlProtocol Protocol = new();
    private static readonly ServiceModel S3 = ModelCatalog.Get("s3");

    private static Dictionary<string, object?> Parse(string operation, string fixture)
    {
        var op = S3.Operations[operation];
        var request = Fixtures.Request(fixture);
        return Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
    }

    [Fact]
    public void PutObjectBindsMetadataHeadersAndStreamsTheBody()
    {
        var input = Parse("PutObject", "s3-putobject");
        Assert.Equal("my-bucket", input["Bucket"]);
        Assert.Equal("dir/hello world.txt", input["Key"]);
        Assert.Equal("text/plain", input["ContentType"]);
        Assert.Equal(8L, input["ContentLength"]);
        Assert.Equal("Wed, 02 Jan 2030 03:04:05 GMT", input["Expires"]); // a string shape in current models
        Assert.Equal("CRC32", input["ChecksumAlgorithm"]);
        var metadata = Assert.IsType<Dictionary<string, object?>>(input["Metadata"]);
        Assert.Equal("blue", metadata["color"]);
        Assert.Equal("Me", metadata["Owner"]);
        var body = Assert.IsAssignableFrom<Stream>(input["Body"]);
        using var reader = new StreamReader(body);
        Assert.Equal("hello s3", reader.ReadToEnd());
    }

    [Fact]
    public void CreateBucketReadsTheConfigurationPayload()
    {
        var input = Parse("CreateBucket", "s3-createbucket");
        Assert.Equal("my-bucket", input["Bucket"]);
        var configuration = Assert.IsType<Dictionary<string, object?>>(input["CreateBucketConfiguration"]);
        Assert.Equal("eu-west-1", configuration["LocationConstraint"]);
    }

    [Fact]
    public void CreateBucketWithoutBodyHasNoConfiguration()
    {
        var op = S3.Operations["CreateBucket"];
        var request = Fixtures.Bytes([], method: "PUT", path: "/b");
        Assert.False(Protocol.ParseRequest(op, request, Fixtures.Labels(op, request)).ContainsKey("CreateBucketConfiguration"));
    }

    [Fact]
    public void DeleteObjectsReadsFlattenedListAndBoolean()
    {
        var input = Parse("DeleteObjects", "s3-deleteobjects");
        var delete = Assert.IsType<Dictionary<string, object?>>(input["Delete"]);
        Assert.Equal(true, delete["Quiet"]);
        var objects = Assert.IsType<List<object?>>(delete["Objects"]);
        Assert.Equal(2, objects.Count);
        Assert.Equal("a.txt", ((Dictionary<string, object?>)objects[0]!)["Key"]);
        Assert.Equal("v1", ((Dictionary<string, object?>)objects[1]!)["VersionId"]);
    }

    [Fact]
    public void PutBucketTaggingReadsWrappedList()
    {
        var input = Parse("PutBucketTagging", "s3-putbuckettagging");
        var tagging = Assert.IsType<Dictionary<string, object?>>(input["Tagging"]);
        var tags = Assert.IsType<List<object?>>(tagging["TagSet"]);
        Assert.Equal("env", ((Dictionary<string, object?>)tags[0]!)["Key"]);
        Assert.Equal("x", ((Dictionary<string, object?>)tags[1]!)["Value"]);
    }

    [Fact]
    public void ListObjectsV2ParsesQueryMembers()
    {
        var input = Parse("ListObjectsV2", "s3-listobjectsv2");
        Assert.Equal("dir/", input["Prefix"]);
        Assert.Equal("/", input["Delimiter"]);
        Assert.Equal(2, input["MaxKeys"]);
    }

    [Fact]
    public void ReaderToleratesPrefixesAndAttributes()
    {
        var op = S3.Operations["PutBucketAcl"];
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <s3:AccessControlPolicy xmlns:s3="http://s3.amazonaws.com/doc/2006-03-01/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
              <s3:Owner><s3:ID>owner-id</s3:ID></s3:Owner>
              <s3:AccessControlList>
                <s3:Grant><s3:Grantee xsi:type="CanonicalUser"><s3:ID>grantee</s3:ID></s3:Grantee><s3:Permission>READ</s3:Permission></s3:Grant>
              </s3:AccessControlList>
            </s3:AccessControlPolicy>
            """;
        var request = Fixtures.Json(xml, method: "PUT", path: "/b", query: "acl");
        var input = Protocol.ParseRequest(op, request, Fixtures.Labels(op, request));
        var policy = Assert.IsType<Dictionary<string, object?>>(input["AccessControlPolicy"]);
        Assert.Equal("owner-id", ((Dictionary<string, object?>)policy["Owner"]!)["ID"]);
        var grant = (Dictionary<string, object?>)((List<object?>)policy["Grants"]!)[0]!;
        Assert.Equal("READ", grant["Permission"]);
        var grantee = (Dictionary<string, object?>)grant["Grantee"]!;
        Assert.Equal("CanonicalUser", grantee["Type"]);
        Assert.Equal("grantee", grantee["ID"]);
    }

    [Theory]
    [InlineData("<CreateBucketConfiguration><LocationConstraint>eu</CreateBucketConfiguration>")]
    [InlineData("not xml")]
    [InlineData("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e \"boom\">]><CreateBucketConfiguration>&e;</CreateBucketConfiguration>")]
    public void MalformedXmlIsS3sError(string body)
    {
        var op = S3.Operations["CreateBucket"];
        var request = Fixtures.Json(body, method: "PUT", path: "/b");
        var error = Assert.Throws<AwsServiceException>(() => Protocol.ParseRequest(op, request, Fixtures.Labels(op, request)));
        Assert.Equal("MalformedXML", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal(RestXmlProtocol.MalformedXmlMessage, error.Message);
    }

    [Fact]
    public void ListObjectsV2ResponseIsS3Xml()
    {
        var op = S3.Operations["ListObjectsV2"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["Name"] = "my-bucket",
            ["Prefix"] = "dir/",
            ["KeyCount"] = 1,
            ["MaxKeys"] = 1000,
            ["IsTruncated"] = false,
            ["Contents"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["Key"] = "dir/a&b.txt",
                    ["LastModified"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, 123, TimeSpan.Zero),
                    ["ETag"] = "\"abc\"",
                    ["Size"] = 5L,
                    ["StorageClass"] = "STANDARD",
                },
            },
            ["CommonPrefixes"] = new List<object?> { new Dictionary<string, object?> { ["Prefix"] = "dir/sub/" } },
        }, Fixtures.Info);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/xml", response.ContentType);
        Assert.Equal("req-1234", Fixtures.Header(response, "x-amz-request-id"));
        Assert.NotEmpty(Fixtures.Header(response, "x-amz-id-2"));
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<IsTruncated>false</IsTruncated>"
            + "<Contents><Key>dir/a&amp;b.txt</Key><LastModified>2024-01-02T03:04:05.123Z</LastModified><ETag>\"abc\"</ETag>"
            + "<Size>5</Size><StorageClass>STANDARD</StorageClass></Contents>"
            + "<Name>my-bucket</Name><Prefix>dir/</Prefix><MaxKeys>1000</MaxKeys>"
            + "<CommonPrefixes><Prefix>dir/sub/</Prefix></CommonPrefixes><KeyCount>1</KeyCount>"
            + "</ListBucketResult>",
            Fixtures.Text(response));
    }

    [Fact]
    public void GetObjectResponsePassesTheStreamThroughWithHeaders()
    {
        var op = S3.Operations["GetObject"];
        var body = new MemoryStream("hello"u8.ToArray());
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["Body"] = body,
            ["ContentLength"] = 5L,
            ["ContentType"] = "text/plain",
            ["ETag"] = "\"5d41402abc4b2a76b9719d911017c592\"",
            ["LastModified"] = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ["Metadata"] = new Dictionary<string, object?> { ["color"] = "blue" },
        }, Fixtures.Info);
        Assert.Same(body, response.BodyStream);
        Assert.Equal(5L, response.ContentLength);
        Assert.Equal("text/plain", response.ContentType);
        Assert.Equal("Tue, 02 Jan 2024 03:04:05 GMT", Fixtures.Header(response, "Last-Modified"));
        Assert.Equal("blue", Fixtures.Header(response, "x-amz-meta-color"));
        Assert.Equal("\"5d41402abc4b2a76b9719d911017c592\"", Fixtures.Header(response, "ETag"));
    }

    [Fact]
    public void PayloadStructureResponseUsesPayloadName()
    {
        var op = S3.Operations["GetBucketTagging"];
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["TagSet"] = new List<object?> { new Dictionary<string, object?> { ["Key"] = "k", ["Value"] = "v" } },
        }, Fixtures.Info);
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>",
            Fixtures.Text(response));

        var encryption = S3.Operations["GetBucketEncryption"];
        var encrypted = Protocol.SerializeResponse(encryption, new Dictionary<string, object?>
        {
            ["ServerSideEncryptionConfiguration"] = new Dictionary<string, object?> { ["Rules"] = new List<object?>() },
        }, Fixtures.Info);
        Assert.Equal("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></ServerSideEncryptionConfiguration>",
            Fixtures.Text(encrypted));

        var put = Protocol.SerializeResponse(S3.Operations["PutObject"], new Dictionary<string, object?> { ["ETag"] = "\"e\"" }, Fixtures.Info);
        Assert.True(put.Body.IsEmpty);
        Assert.Equal("\"e\"", Fixtures.Header(put, "ETag"));
    }

    [Fact]
    public void ErrorsAreS3ErrorDocuments()
    {
        var error = new AwsServiceException("NoSuchBucket", "The specified bucket does not exist", 404).With("BucketName", "nope");
        var response = Protocol.SerializeError(S3, S3.Operations["ListObjectsV2"], error, Fixtures.Info);
        Assert.Equal(404, response.Status);
        Assert.Equal("application/xml", response.ContentType);
        Assert.Equal("req-1234", Fixtures.Header(response, "x-amz-request-id"));
        var hostId = Fixtures.Header(response, "x-amz-id-2");
        Assert.Equal(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>"
            + $"<BucketName>nope</BucketName><RequestId>req-1234</RequestId><HostId>{hostId}</HostId></Error>",
            Fixtures.Text(response));

        var head = Protocol.SerializeError(S3, S3.Operations["HeadBucket"], error, Fixtures.Info);
        Assert.Equal(404, head.Status);
        Assert.True(head.Body.IsEmpty);
        Assert.Equal("req-1234", Fixtures.Header(head, "x-amz-request-id"));
    }

    [Fact]
    public void FuzzedBodiesOnlyEverRaiseAwsErrors()
    {
        foreach (var (operation, fixture) in new[] { ("DeleteObjects", "s3-deleteobjects"), ("PutBucketTagging", "s3-putbuckettagging"), ("CreateBucket", "s3-createbucket") })
        {
            var op = S3.Operations[operation];
            var original = Fixtures.Request(fixture);
            var labels = Fixtures.Labels(op, original);
            foreach (var mutation in Fixtures.Mutations(original.Body.ToArray()))
            {
                var request = Fixtures.Bytes(mutation, method: original.Method, path: original.RawPath, query: original.RawQuery);
                Fixtures.OnlyAwsErrors(() => Protocol.ParseRequest(op, request, labels));
            }
        }
        Assert.NotEmpty(Encoding.UTF8.GetBytes(RestXmlProtocol.HostId("x")));
    }
}
