using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;

namespace Gureum.Services.S3.Tests;

public sealed class S3SdkTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    [Fact]
    public async Task BucketLifecycleAndLocation()
    {
        using var s3 = fixture.Client();
        await s3.PutBucketAsync(new PutBucketRequest { BucketName = "net-bucket" });
        var location = await s3.GetBucketLocationAsync("net-bucket");
        Assert.Equal(S3Region.USEast1, location.Location);
        using var west = fixture.Client("us-west-2");
        await west.PutBucketAsync(new PutBucketRequest { BucketName = "net-west", BucketRegion = S3Region.USWest2 });
        Assert.Equal("us-west-2", (await west.GetBucketLocationAsync("net-west")).Location.Value);
        var list = await s3.ListBucketsAsync();
        Assert.Contains(list.Buckets, b => b.BucketName == "net-bucket");
        Assert.Equal(64, list.Owner.Id.Length);
        var missing = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.DeleteBucketAsync("net-missing"));
        Assert.Equal("NoSuchBucket", missing.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var invalid = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.PutBucketAsync("Bad_Name"));
        Assert.Equal("InvalidBucketName", invalid.ErrorCode);
    }

    [Theory]
    [InlineData("CRC32")]
    [InlineData("SHA1")]
    [InlineData("SHA256")]
    // CRC32C and CRC64NVME need the SDK's CRT extension on the client side; ChecksumTests covers them.
    public async Task ChecksumsInTrailersAreValidatedAndReturned(string algorithm)
    {
        using var s3 = fixture.Client();
        var bucket = "net-sum-" + algorithm.ToLowerInvariant();
        await s3.PutBucketAsync(bucket);
        var data = RandomNumberGenerator.GetBytes(100_000);
        var put = await s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = "k",
            InputStream = new MemoryStream(data),
            ChecksumAlgorithm = new ChecksumAlgorithm(algorithm),
        });
        Assert.Equal("\"" + Convert.ToHexStringLower(MD5.HashData(data)) + "\"", put.ETag);
        var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", ChecksumMode = ChecksumMode.ENABLED });
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy); // the SDK validates the returned checksum while reading
        Assert.Equal(data, copy.ToArray());
        var returned = algorithm switch
        {
            "CRC32" => get.ChecksumCRC32,
            "CRC32C" => get.ChecksumCRC32C,
            "CRC64NVME" => get.ChecksumCRC64NVME,
            "SHA1" => get.ChecksumSHA1,
            _ => get.ChecksumSHA256,
        };
        Assert.False(string.IsNullOrEmpty(returned));
        if (algorithm == "SHA256")
        {
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(data)), returned);
        }
    }

    [Fact]
    public async Task RangesConditionsAndErrors()
    {
        using var s3 = fixture.Client();
        await s3.PutBucketAsync("net-range");
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = "net-range", Key = "r", ContentBody = "abcdefghij" });
        var get = await s3.GetObjectAsync(new GetObjectRequest { BucketName = "net-range", Key = "r", ByteRange = new ByteRange(2, 4) });
        Assert.Equal(HttpStatusCode.PartialContent, get.HttpStatusCode);
        Assert.Equal("cde", await new StreamReader(get.ResponseStream).ReadToEndAsync());
        Assert.Equal("bytes 2-4/10", get.ContentRange);
        var range = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = "net-range", Key = "r", ByteRange = new ByteRange(20, 30) }));
        Assert.Equal("InvalidRange", range.ErrorCode);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, range.StatusCode);
        var condition = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            s3.GetObjectAsync(new GetObjectRequest { BucketName = "net-range", Key = "r", EtagToMatch = "\"nope\"" }));
        Assert.Equal("PreconditionFailed", condition.ErrorCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, condition.StatusCode);
        var missing = await Assert.ThrowsAsync<NoSuchKeyException>(() => s3.GetObjectAsync("net-range", "missing"));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        Assert.Equal("The specified key does not exist.", missing.Message);
    }

    [Fact]
    public async Task MultipartUploadStreamsPartsInOrder()
    {
        using var s3 = fixture.Client();
        await s3.PutBucketAsync("net-mpu");
        var init = await s3.InitiateMultipartUploadAsync("net-mpu", "big");
        var part1 = RandomNumberGenerator.GetBytes(5 * 1024 * 1024);
        var part2 = RandomNumberGenerator.GetBytes(12345);
        var e1 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "net-mpu", Key = "big", UploadId = init.UploadId, PartNumber = 1, InputStream = new MemoryStream(part1) });
        var e2 = await s3.UploadPartAsync(new UploadPartRequest { BucketName = "net-mpu", Key = "big", UploadId = init.UploadId, PartNumber = 2, InputStream = new MemoryStream(part2) });
        var parts = await s3.ListPartsAsync("net-mpu", "big", init.UploadId);
        Assert.Equal([1, 2], parts.Parts.Select(p => p.PartNumber ?? 0));
        var done = await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = "net-mpu",
            Key = "big",
            UploadId = init.UploadId,
            PartETags = [new PartETag(1, e1.ETag), new PartETag(2, e2.ETag)],
        });
        var expected = Convert.ToHexStringLower(MD5.HashData([.. MD5.HashData(part1), .. MD5.HashData(part2)])) + "-2";
        Assert.Equal("\"" + expected + "\"", done.ETag);
        var get = await s3.GetObjectAsync("net-mpu", "big");
        using var copy = new MemoryStream();
        await get.ResponseStream.CopyToAsync(copy);
        Assert.Equal([.. part1, .. part2], copy.ToArray());
        var gone = await Assert.ThrowsAsync<AmazonS3Exception>(() => s3.ListPartsAsync("net-mpu", "big", init.UploadId));
        Assert.Equal("NoSuchUpload", gone.ErrorCode);
    }

    [Fact]
    public async Task ListObjectsV2WithDelimiterAndPaging()
    {
        using var s3 = fixture.Client();
        await s3.PutBucketAsync("net-list");
        foreach (var key in new[] { "a/1", "a/2", "b", "c/1", "d" })
        {
            await s3.PutObjectAsync(new PutObjectRequest { BucketName = "net-list", Key = key, ContentBody = "x" });
        }
        var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "net-list", Delimiter = "/", MaxKeys = 2 });
        Assert.Equal(["a/"], page.CommonPrefixes);
        Assert.Equal(["b"], page.S3Objects.Select(o => o.Key));
        Assert.True(page.IsTruncated);
        var next = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "net-list", Delimiter = "/", ContinuationToken = page.NextContinuationToken });
        Assert.Equal(["c/"], next.CommonPrefixes);
        Assert.Equal(["d"], next.S3Objects.Select(o => o.Key));
        Assert.False(next.IsTruncated);
        var deleted = await s3.DeleteObjectsAsync(new DeleteObjectsRequest
        {
            BucketName = "net-list",
            Objects = [new KeyVersion { Key = "a/1" }, new KeyVersion { Key = "b" }],
        });
        Assert.Equal(2, deleted.DeletedObjects.Count);
        Assert.Equal(3, (await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = "net-list" })).KeyCount);
    }
}
