using System.Text;
using Xunit;

namespace Gureum.Auth.Tests;

/// <summary>Hostile input must come back as a typed failure, never an exception.</summary>
public class FuzzTests
{
    private static readonly DateTimeOffset Now = new(2024, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("", AuthFailureKind.UnsupportedAlgorithm)]
    [InlineData("AWS4-HMAC-SHA256", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 ", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/2024/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts, SignedHeaders=host, Signature=ab", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=ab", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab", AuthFailureKind.SignatureDoesNotMatch)]
    [InlineData("AWS4-HMAC-SHA256 Credential=,,,===, SignedHeaders==;;, Signature=", AuthFailureKind.IncompleteSignature)]
    [InlineData("AWS AKID:c2ln", AuthFailureKind.UnsupportedAlgorithm)]
    [InlineData("AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=ab", AuthFailureKind.UnsupportedAlgorithm)]
    [InlineData("Bearer xyz", AuthFailureKind.UnsupportedAlgorithm)]
    public void Garbage_authorization_headers_give_typed_failures(string header, AuthFailureKind kind)
    {
        var v = new SigV4Verifier(new Creds().Add("AKID", "s"), AuthMode.Strict, new FixedClock(Now));
        var r = v.Verify(new AuthRequest("POST", "/", "", [new("Host", "h"), new("X-Amz-Date", "20240101T120000Z"), new("Authorization", header)]), [], true);
        Assert.Equal(kind, r.Failure?.Kind);
    }

    [Fact]
    public void Missing_date_is_incomplete_signature_with_aws_message()
    {
        var v = new SigV4Verifier(new Creds().Add("AKID", "s"), AuthMode.Strict, new FixedClock(Now));
        var r = v.Verify(new AuthRequest("POST", "/", "", [new("Host", "h"),
            new("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab")]), [], true);
        Assert.Equal(AuthFailureKind.IncompleteSignature, r.Failure?.Kind);
        Assert.StartsWith("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", r.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_headers_paths_and_queries_never_throw()
    {
        var rng = new Random(1234);
        const string alphabet = "AWS4-HMAC-SHA256 Credential=/;,=SignedHeaders Signature%+&?x-amz-date20240101T120000Z\r\n\t\u00fc";
        string Junk(int max) => new(Enumerable.Range(0, rng.Next(max)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
        foreach (var mode in new[] { AuthMode.Strict, AuthMode.Known, AuthMode.Off })
        {
            var v = new SigV4Verifier(new Creds().Add("AKID", "s"), mode, new FixedClock(Now));
            for (var i = 0; i < 2000; i++)
            {
                var auth = rng.Next(3) == 0 ? Junk(120) : "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/" + Junk(40) + ", SignedHeaders=" + Junk(20) + ", Signature=" + Junk(70);
                List<KeyValuePair<string, string>> headers = [new("Host", Junk(10)), new("X-Amz-Date", rng.Next(2) == 0 ? "20240101T120000Z" : Junk(20)), new("x-amz-content-sha256", Junk(70))];
                if (rng.Next(4) > 0)
                    headers.Add(new("Authorization", auth));
                var query = rng.Next(2) == 0 ? Junk(60) : "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + Junk(50) + "&X-Amz-Date=" + Junk(16) + "&X-Amz-Expires=" + Junk(7) + "&X-Amz-SignedHeaders=host&X-Amz-Signature=" + Junk(64);
                var r = v.Verify(new AuthRequest(Junk(6), "/" + Junk(40), query, headers), Encoding.UTF8.GetBytes(Junk(30)), rng.Next(2) == 0);
                if (mode == AuthMode.Off)
                    Assert.True(r.Success);
            }
        }
    }

    [Fact]
    public void Random_chunk_bodies_only_throw_auth_exceptions()
    {
        var rng = new Random(99);
        var valid = SigV4Signer.EncodeChunked(Enumerable.Repeat((byte)'q', 5000).ToArray(), 1000, null, [new("x-amz-checksum-crc32", "AAAAAA==")]);
        for (var i = 0; i < 3000; i++)
        {
            var body = (byte[])valid.Clone();
            for (var k = rng.Next(1, 4); k > 0; k--)
                body[rng.Next(body.Length)] = (byte)rng.Next(256);
            var cut = rng.Next(2) == 0 ? body.Length : rng.Next(body.Length);
            using var s = new AwsChunkedDecodingStream(new TrickleStream(body[..cut], rng.Next(1, 50)), PayloadMode.StreamingUnsignedTrailer, null);
            try
            {
                var buf = new byte[rng.Next(1, 300)];
                while (s.Read(buf, 0, buf.Length) > 0) { }
            }
            catch (AwsAuthException ex)
            {
                Assert.Equal(AuthFailureKind.InvalidChunk, ex.Kind);
            }
        }
    }
}
