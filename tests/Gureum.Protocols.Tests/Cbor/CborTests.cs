using Gureum.Core;
using Gureum.Protocols.Cbor;
using Gureum.Protocols.Model;
using Gureum.Protocols.Tests.Support;

namespace Gureum.Protocols.Tests.Cbor;

public class CborReaderWriterTests
{
    private static object? Decode(string hex) => CborReader.Decode(Convert.FromHexString(hex));

    // Examples from RFC 8949 Appendix A.
    [Theory]
    [InlineData("00", 0L)]
    [InlineData("17", 23L)]
    [InlineData("1818", 24L)]
    [InlineData("1903e8", 1000L)]
    [InlineData("1a000f4240", 1000000L)]
    [InlineData("1b000000e8d4a51000", 1000000000000L)]
    [InlineData("20", -1L)]
    [InlineData("3903e7", -1000L)]
    [InlineData("3b7fffffffffffffff", long.MinValue)]
    public void Integers(string hex, long expected) => Assert.Equal(expected, Decode(hex));

    [Fact]
    public void LargeUnsignedIsUlong() => Assert.Equal(ulong.MaxValue, Decode("1bffffffffffffffff"));

    [Theory]
    [InlineData("f90000", 0.0)]
    [InlineData("f93c00", 1.0)]
    [InlineData("f93e00", 1.5)]
    [InlineData("f97bff", 65504.0)]
    [InlineData("f90001", 5.960464477539063e-8)]
    [InlineData("f9c400", -4.0)]
    [InlineData("fa47c35000", 100000.0)]
    [InlineData("fb3ff199999999999a", 1.1)]
    [InlineData("fbc010666666666666", -4.1)]
    public void Floats(string hex, double expected) => Assert.Equal(expected, Decode(hex));

    [Fact]
    public void SpecialFloatsAndSimpleValues()
    {
        Assert.Equal(double.PositiveInfinity, Decode("f97c00"));
        Assert.True(double.IsNaN((double)Decode("f97e00")!));
        Assert.Equal(double.NegativeInfinity, Decode("fbfff0000000000000"));
        Assert.Equal(false, Decode("f4"));
        Assert.Equal(true, Decode("f5"));
        Assert.Null(Decode("f6"));
        Assert.Same(CborUndefined.Instance, Decode("f7"));
    }

    [Fact]
    public void StringsArraysMapsAndTags()
    {
        Assert.Equal("IETF", Decode("6449455446"));
        Assert.Equal("\u00fc", Decode("62c3bc"));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, Decode("4401020304"));
        Assert.Equal(new List<object?> { 1L, new List<object?> { 2L, 3L }, new List<object?> { 4L, 5L } }, Decode("8301820203820405"));
        var map = Assert.IsType<Dictionary<string, object?>>(Decode("a26161016162820203"));
        Assert.Equal(1L, map["a"]);
        Assert.Equal(new CborTag(1, 1363896240L), Decode("c11a514b67b0"));
        Assert.Equal(new CborTag(1, 1363896240.5), Decode("c1fb41d452d9ec200000"));
    }

    [Fact]
    public void IndefiniteLengths()
    {
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, Decode("5f42010243030405ff"));
        Assert.Equal("streaming", Decode("7f657374726561646d696e67ff"));
        Assert.Equal(new List<object?>(), Decode("9fff"));
        Assert.Equal(new List<object?> { 1L, new List<object?> { 2L, 3L }, new List<object?> { 4L, 5L } }, Decode("9f018202039f0405ffff"));
        var map = Assert.IsType<Dictionary<string, object?>>(Decode("bf61610161629f0203ffff"));
        Assert.Equal(new List<object?> { 2L, 3L }, map["b"]);
        Assert.Equal(new Dictionary<string, object?> { ["Fun"] = true, ["Amt"] = -2L }, Decode("bf6346756ef563416d7421ff"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("18")]
    [InlineData("1c")]
    [InlineData("62c3")]
    [InlineData("9b00000000ffffffff")]
    [InlineData("bf6161")]
    [InlineData("ff")]
    [InlineData("a10101")]
    [InlineData("62c328")]
    [InlineData("5f6161ff")]
    [InlineData("0000")]
    public void MalformedInputThrowsCborFormatException(string hex) =>
        Assert.Throws<CborFormatException>(() => Decode(hex));

    [Fact]
    public void WriterRoundTripsEveryKind()
    {
        var writer = new CborWriter();
        writer.WriteStartMap(null);
        writer.WriteTextString("i");
        writer.WriteInt64(-1000);
        writer.WriteTextString("u");
        writer.WriteUInt64(ulong.MaxValue);
        writer.WriteTextString("h");
        writer.WriteHalf((Half)1.5);
        writer.WriteTextString("f");
        writer.WriteSingle(0.25f);
        writer.WriteTextString("d");
        writer.WriteDouble(1.1);
        writer.WriteTextString("b");
        writer.WriteByteString([9, 8]);
        writer.WriteTextString("a");
        writer.WriteStartArray(null);
        writer.WriteBoolean(true);
        writer.WriteNull();
        writer.WriteBreak();
        writer.WriteTextString("t");
        writer.WriteTag(1);
        writer.WriteInt64(1704164645);
        writer.WriteBreak();
        var map = Assert.IsType<Dictionary<string, object?>>(CborReader.Decode(writer.ToArray()));
        Assert.Equal(-1000L, map["i"]);
        Assert.Equal(ulong.MaxValue, map["u"]);
        Assert.Equal(1.5, map["h"]);
        Assert.Equal(0.25, map["f"]);
        Assert.Equal(1.1, map["d"]);
        Assert.Equal(new byte[] { 9, 8 }, map["b"]);
        Assert.Equal(new List<object?> { true, null }, map["a"]);
        Assert.Equal(new CborTag(1, 1704164645L), map["t"]);
        Assert.Equal("3903e7", Convert.ToHexString(Encode(w => w.WriteInt64(-1000))).ToLowerInvariant());
        Assert.Equal("1b000000e8d4a51000", Convert.ToHexString(Encode(w => w.WriteInt64(1000000000000))).ToLowerInvariant());
    }

    private static byte[] Encode(Action<CborWriter> write)
    {
        var writer = new CborWriter();
        write(writer);
        return writer.ToArray();
    }

    [Fact]
    public void RandomBytesOnlyEverThrowCborFormatException()
    {
        var random = new Random(11);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(1, 40)];
            random.NextBytes(bytes);
            try
            {
                CborReader.Decode(bytes);
            }
            catch (CborFormatException)
            {
            }
        }
        var deep = Enumerable.Repeat((byte)0x81, 100000).Append((byte)0x00).ToArray();
        Assert.Throws<CborFormatException>(() => CborReader.Decode(deep));
    }
}

public class RpcV2CborProtocolTests
{
    private static readonly RpcV2CborProtocol Protocol = new();
    private static readonly ServiceModel CloudWatch = ModelCatalog.Get("cloudwatch");

    [Fact]
    public void PutMetricDataFromBotocoreParses()
    {
        var request = Fixtures.Request("cloudwatch-putmetricdata");
        Assert.Equal("rpc-v2-cbor", request.Headers["smithy-protocol"]);
        var input = Protocol.ParseRequest(CloudWatch.Operations["PutMetricData"], request, null);
        Assert.Equal("App", input["Namespace"]);
        var datum = (Dictionary<string, object?>)((List<object?>)input["MetricData"]!)[0]!;
        Assert.Equal("Latency", datum["MetricName"]);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), datum["Timestamp"]);
        Assert.Equal(12.5, datum["Value"]);
        Assert.Equal("Milliseconds", datum["Unit"]);
        Assert.Equal(1, Assert.IsType<int>(datum["StorageResolution"]));
        Assert.Equal(new List<object?> { 1.0, 2.25 }, datum["Values"]);
        var dimension = (Dictionary<string, object?>)((List<object?>)datum["Dimensions"]!)[0]!;
        Assert.Equal("Host", dimension["Name"]);
    }

    [Fact]
    public void EmptyBodyIsEmptyInput() =>
        Assert.Empty(Protocol.ParseRequest(CloudWatch.Operations["ListDashboards"], Fixtures.Bytes([]), null));

    [Fact]
    public void GetMetricDataResponseRoundTripsTimestampsAndDoubles()
    {
        var op = CloudWatch.Operations["GetMetricData"];
        var t0 = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var response = Protocol.SerializeResponse(op, new Dictionary<string, object?>
        {
            ["MetricDataResults"] = new List<object?>
            {
                new Dictionary<string, object?>
                {
                    ["Id"] = "m1",
                    ["Timestamps"] = new List<object?> { t0, t0.AddMilliseconds(1500) },
                    ["Values"] = new List<object?> { 1.5, double.NaN },
                    ["StatusCode"] = "Complete",
                },
            },
        }, Fixtures.Info);
        Assert.Equal(200, response.Status);
        Assert.Equal("application/cbor", response.ContentType);
        Assert.Equal("rpc-v2-cbor", Fixtures.Header(response, "smithy-protocol"));
        Assert.Equal("req-1234", Fixtures.Header(response, "x-amzn-RequestId"));

        var raw = (Dictionary<string, object?>)CborReader.Decode(response.Body)!;
        var result = (Dictionary<string, object?>)((List<object?>)raw["MetricDataResults"]!)[0]!;
        Assert.Equal(new CborTag(1, 1704164645.0), ((List<object?>)result["Timestamps"]!)[0]);
        Assert.Equal(new CborTag(1, 1704164646.5), ((List<object?>)result["Timestamps"]!)[1]);

        var output = CborShapeCodec.ReadStructure(response.Body, op.Output!);
        var parsed = (Dictionary<string, object?>)((List<object?>)output["MetricDataResults"]!)[0]!;
        Assert.Equal(new List<object?> { t0, t0.AddMilliseconds(1500) }, parsed["Timestamps"]);
        var values = (List<object?>)parsed["Values"]!;
        Assert.Equal(1.5, values[0]);
        Assert.True(double.IsNaN((double)values[1]!));
        Assert.Equal("Complete", parsed["StatusCode"]);
    }

    [Fact]
    public void ErrorIsCborWithTypeAndQueryCompatibleHeader()
    {
        var error = new AwsServiceException("ResourceNotFound", "Dashboard d does not exist", 404);
        var response = Protocol.SerializeError(CloudWatch, CloudWatch.Operations["GetDashboard"], error, Fixtures.Info);
        Assert.Equal(404, response.Status);
        Assert.Equal("application/cbor", response.ContentType);
        Assert.Equal("rpc-v2-cbor", Fixtures.Header(response, "smithy-protocol"));
        Assert.Equal("ResourceNotFound;Sender", Fixtures.Header(response, "x-amzn-query-error"));
        var body = (Dictionary<string, object?>)CborReader.Decode(response.Body)!;
        Assert.Equal("com.amazonaws.cloudwatch#ResourceNotFound", body["__type"]);
        Assert.Equal("Dashboard d does not exist", body["message"]);
    }

    [Theory]
    [InlineData("a1694e616d6573706163650c")] // Namespace: 12
    [InlineData("a1694e616d657370616365")] // truncated
    [InlineData("83010203")] // not a map
    [InlineData("a16a4d65747269634461746181a16954696d657374616d70c06161")] // tag 0 timestamp
    public void BadBodiesAreSerializationExceptions(string hex)
    {
        var error = Assert.Throws<AwsServiceException>(() =>
            Protocol.ParseRequest(CloudWatch.Operations["PutMetricData"], Fixtures.Bytes(Convert.FromHexString(hex)), null));
        Assert.Equal("SerializationException", error.Code);
    }

    [Fact]
    public void FuzzedBodiesOnlyEverRaiseAwsErrors()
    {
        var op = CloudWatch.Operations["PutMetricData"];
        foreach (var mutation in Fixtures.Mutations(Fixtures.Request("cloudwatch-putmetricdata").Body.ToArray()))
        {
            Fixtures.OnlyAwsErrors(() => Protocol.ParseRequest(op, Fixtures.Bytes(mutation), null));
        }
    }
}
