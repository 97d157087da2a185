using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Gureum.Services.S3.Tests;

/// <summary>Versioning and tagging through the AWS SDK for .NET.</summary>
public sealed class S3VersioningSdkTests(S3Fixture fixture) : IClassFixture<S3Fixture>
{
    [Fact]
    public async Task VersionsDeleteMarkersAndTags()
    {
        using var s3 = fixture.Client();
        const string bucket = "net-versions";
        await s3.PutBucketAsync(bucket);
        await s3.PutBucketVersioningAsync(new PutBucketVersioningRequest
        {
            BucketName = bucket,
            VersioningConfig = new S3BucketVersioningConfig { Status = VersionStatus.Enabled },
        });
        Assert.Equal(VersionStatus.Enabled, (await s3.GetBucketVersioningAsync(bucket)).VersioningConfig.Status);
        var v1 = (await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "one", TagSet = [new Tag { Key = "t", Value = "1" }] })).VersionId;
        var v2 = (await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "k", ContentBody = "two" })).VersionId;
        Assert.NotEqual(v1, v2);
        var deleted = await s3.DeleteObjectAsync(bucket, "k");
        Assert.Equal("true", deleted.DeleteMarker);
        var missing = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync(bucket, "k"));
        Assert.Equal("NoSuchKey", missing.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using (var old = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", VersionId = v1 }))
        {
            Assert.Equal("one", await new StreamReader(old.ResponseStream).ReadToEndAsync());
            Assert.Equal(v1, old.VersionId);
            Assert.Equal(1, old.TagCount);
        }
        var tags = await s3.GetObjectTaggingAsync(new GetObjectTaggingRequest { BucketName = bucket, Key = "k", VersionId = v1 });
        Assert.Equal("t", Assert.Single(tags.Tagging).Key);
        var versions = await s3.ListVersionsAsync(bucket);
        // The rest-xml serializer writes every <Version> before every <DeleteMarker> (AWS interleaves them in key, newest-first
        // order), so the SDK's merged list is compared without order; the Python suite checks the order within each kind.
        Assert.Equal(new[] { (deleted.VersionId, true, true), (v1, false, false), (v2, false, false) }.OrderBy(t => t.Item1, StringComparer.Ordinal),
            versions.Versions.Select(v => (v.VersionId, v.IsDeleteMarker == true, v.IsLatest == true)).OrderBy(t => t.Item1, StringComparer.Ordinal));
        var gone = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = "k", VersionId = deleted.VersionId }));
        Assert.Equal("MethodNotAllowed", gone.ErrorCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, gone.StatusCode);
    }
}
