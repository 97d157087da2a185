using System.Text;
using Xunit;

namespace Gureum.Auth.Tests;

public class ChunkedTests
{
    // AWS's documented chunked upload (sigv4-streaming): 66560 bytes of 'a' in 65536 + 1024 + 0 chunks.
    private const string Seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    private static readonly string[] ChunkSigs =
    [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ];
    private static readonly DateTimeOffset ExampleTime = new(2013, 5, 24, 0, 0, 0, TimeSpan.Zero);

    private static AuthRequest ExampleRequest() => new("PUT", "/examplebucket/chunkObject.txt", "",
    [
        new("Host", "s3.amazonaws.com"), new("x-amz-date", "20130524T000000Z"), new("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        new("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=" + Seed),
        new("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), new("Content-Encoding", "aws-chunked"),
        new("x-amz-decoded-content-length", "66560"), new("Content-Length", "66824"),
    ]);

    private static byte[] ExampleBody(int corruptAt = -1)
    {
        var ms = new MemoryStream();
        int[] sizes = [65536, 1024, 0];
        for (var i = 0; i < 3; i++)
        {
            ms.Write(Encoding.ASCII.GetBytes($"{sizes[i]:x};chunk-signature={ChunkSigs[i]}\r\n"));
            var data = Enumerable.Repeat((byte)'a', sizes[i]).ToArray();
            if (i == 1 && corruptAt >= 0)
                data[corruptAt] = (byte)'b';
            ms.Write(data);
            ms.Write("\r\n"u8);
        }
        return ms.ToArray();
    }

    private static AuthResult VerifyExample() =>
        new SigV4Verifier(new Creds().Add("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), AuthMode.Strict, new FixedClock(ExampleTime))
            .Verify(ExampleRequest(), [], bodyIsBuffered: false);

    private static byte[] ReadAll(Stream s, int readSize)
    {
        var outMs = new MemoryStream();
        var buf = new byte[readSize];
        int n;
        while ((n = s.Read(buf, 0, buf.Length)) > 0)
            outMs.Write(buf, 0, n);
        return outMs.ToArray();
    }

    [Fact]
    public void Aws_documented_example_seed_signature_verifies()
    {
        var r = VerifyExample();
        Assert.True(r.Success, r.Failure?.Message + "\n" + r.Failure?.CanonicalRequest);
        Assert.Equal(PayloadMode.StreamingSigned, r.Payload);
        Assert.NotNull(r.ChunkSigning);
        Assert.Equal("20130524/us-east-1/s3/aws4_request", r.ChunkSigning!.Scope);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(8192, 8192)]
    [InlineData(100000, 70000)]
    [InlineData(65537, 13)]
    public void Aws_documented_example_decodes_across_odd_read_sizes(int innerMax, int readSize)
    {
        using var s = new AwsChunkedDecodingStream(new TrickleStream(ExampleBody(), innerMax), PayloadMode.StreamingSigned, VerifyExample().ChunkSigning, 66560);
        var data = ReadAll(s, readSize);
        Assert.Equal(66560, data.Length);
        Assert.All(data, b => Assert.Equal((byte)'a', b));
        Assert.True(s.Completed);
        Assert.Empty(s.Trailers);
    }

    [Fact]
    public async Task Aws_documented_example_decodes_async()
    {
        await using var s = new AwsChunkedDecodingStream(new TrickleStream(ExampleBody(), 777), PayloadMode.StreamingSigned, VerifyExample().ChunkSigning);
        var ms = new MemoryStream();
        await s.CopyToAsync(ms);
        Assert.Equal(66560, ms.Length);
    }

    [Fact]
    public void Tampered_chunk_fails_signature()
    {
        using var s = new AwsChunkedDecodingStream(new MemoryStream(ExampleBody(corruptAt: 10)), PayloadMode.StreamingSigned, VerifyExample().ChunkSigning);
        var ex = Assert.Throws<AwsAuthException>(() => ReadAll(s, 4096));
        Assert.Equal(AuthFailureKind.SignatureDoesNotMatch, ex.Kind);
    }

    [Fact]
    public void Unverified_signed_stream_still_decodes_without_context()
    {
        using var s = new AwsChunkedDecodingStream(new MemoryStream(ExampleBody(corruptAt: 10)), PayloadMode.StreamingSigned, signing: null);
        Assert.Equal(66560, ReadAll(s, 1000).Length);
    }

    [Theory]
    [InlineData("s3-put-unsigned-trailer", 1)]
    [InlineData("s3-put-unsigned-trailer", 4099)]
    [InlineData("js-put-stream-http", 5)]
    [InlineData("js-put-stream-http", 65536)]
    public void Real_sdk_unsigned_trailer_bodies_decode(string name, int readSize)
    {
        var v = Vector.Get(name);
        var r = new SigV4Verifier(new Creds().Add(v.AccessKeyId, v.Secret), AuthMode.Strict, new FixedClock(v.Now)).Verify(v.Request, [], false);
        Assert.True(r.Success, r.Failure?.Message);
        Assert.Equal(PayloadMode.StreamingUnsignedTrailer, r.Payload);
        using var s = new AwsChunkedDecodingStream(new TrickleStream(v.Body, readSize + 3), r.Payload, r.ChunkSigning);
        var data = ReadAll(s, readSize);
        Assert.Equal(Convert.FromBase64String(v.ExpectString("decoded")!), data);
        Assert.True(s.Trailers.ContainsKey(v.ExpectString("trailerName")!));
    }

    [Theory]
    [InlineData(PayloadMode.StreamingSigned, 0)]
    [InlineData(PayloadMode.StreamingSigned, 1)]
    [InlineData(PayloadMode.StreamingSignedTrailer, 3)]
    [InlineData(PayloadMode.StreamingSignedTrailer, 9000)]
    public void Signer_and_decoder_round_trip_with_signed_trailers(PayloadMode mode, int size)
    {
        var now = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var signer = new SigV4Signer("AKID", "secret", "eu-west-1", "s3");
        var payload = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        var literal = mode == PayloadMode.StreamingSigned ? SigV4Canonical.StreamingSigned : SigV4Canonical.StreamingSignedTrailer;
        var req = signer.SignWithSignature(new AuthRequest("PUT", "/b/k", "", [new("Host", "localhost:4566"), new("Content-Encoding", "aws-chunked")]), literal, now, out var seed);
        var r = new SigV4Verifier(new Creds().Add("AKID", "secret"), AuthMode.Strict, new FixedClock(now)).Verify(req, [], false);
        Assert.True(r.Success, r.Failure?.Message);
        Assert.Equal(mode, r.Payload);
        List<KeyValuePair<string, string>>? trailers = mode == PayloadMode.StreamingSignedTrailer ? [new("x-amz-checksum-crc32", "AAAAAA==")] : null;
        var body = SigV4Signer.EncodeChunked(payload, 4096, signer.ChunkContext(seed, now), trailers);
        using var s = new AwsChunkedDecodingStream(new TrickleStream(body, 11), r.Payload, r.ChunkSigning);
        Assert.Equal(payload, ReadAll(s, 100));
        if (trailers is not null)
            Assert.Equal("AAAAAA==", s.Trailers["x-amz-checksum-crc32"]);

        if (trailers is not null)
        {
            // A changed trailer value breaks the trailer signature.
            var bad = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(body).Replace("AAAAAA==", "AAAAAB==", StringComparison.Ordinal));
            using var s2 = new AwsChunkedDecodingStream(new MemoryStream(bad), r.Payload, r.ChunkSigning);
            Assert.Equal(AuthFailureKind.SignatureDoesNotMatch, Assert.Throws<AwsAuthException>(() => ReadAll(s2, 100)).Kind);
        }
    }

    [Fact]
    public void Truncated_framing_is_invalid_chunk_at_every_cut()
    {
        var body = ExampleBody();
        // Cut at many points, including inside headers, data, CRLFs and the final chunk.
        foreach (var cut in new[] { 0, 3, 20, 87, 88, 89, 1000, 65625, 65626, 65627, 66700, body.Length - 2, body.Length - 1 })
        {
            using var s = new AwsChunkedDecodingStream(new MemoryStream(body[..cut]), PayloadMode.StreamingSigned, VerifyExample().ChunkSigning);
            var ex = Assert.Throws<AwsAuthException>(() => ReadAll(s, 333));
            Assert.Equal(AuthFailureKind.InvalidChunk, ex.Kind);
        }
    }

    [Theory]
    [InlineData("zz;chunk-signature=00\r\n")]
    [InlineData("5\r\nhello\r\n0\r\n\r\n")] // signed mode requires chunk signatures
    [InlineData("3;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\nhello\r\n")]
    [InlineData("ffffffffffffffffff;chunk-signature=x\r\n")]
    [InlineData("5;chunk-signature=ad80\nhello")]
    public void Malformed_signed_framing_is_invalid_chunk(string body)
    {
        using var s = new AwsChunkedDecodingStream(new MemoryStream(Encoding.ASCII.GetBytes(body)), PayloadMode.StreamingSigned, VerifyExample().ChunkSigning);
        Assert.Equal(AuthFailureKind.InvalidChunk, Assert.Throws<AwsAuthException>(() => ReadAll(s, 64)).Kind);
    }

    [Fact]
    public void Overlong_header_line_is_rejected_without_buffering_everything()
    {
        var body = Encoding.ASCII.GetBytes(new string('1', 100_000));
        using var s = new AwsChunkedDecodingStream(new MemoryStream(body), PayloadMode.StreamingUnsignedTrailer, null);
        Assert.Equal(AuthFailureKind.InvalidChunk, Assert.Throws<AwsAuthException>(() => ReadAll(s, 64)).Kind);
    }

    [Fact]
    public void Sha256_verifying_stream_accepts_and_rejects()
    {
        var data = Encoding.UTF8.GetBytes("hello world");
        var hash = SigV4Canonical.Sha256Hex(data);
        using (var ok = new Sha256VerifyingStream(new TrickleStream(data, 3), hash))
            Assert.Equal(data, ReadAll(ok, 2));
        using var bad = new Sha256VerifyingStream(new MemoryStream(data), SigV4Canonical.EmptySha256);
        Assert.Equal(AuthFailureKind.ContentSha256Mismatch, Assert.Throws<AwsAuthException>(() => ReadAll(bad, 4)).Kind);
    }
}
