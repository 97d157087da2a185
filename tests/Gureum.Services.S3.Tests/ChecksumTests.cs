using System.Text;

namespace Gureum.Services.S3.Tests;

/// <summary>The checksum implementations against the catalogued check values (input "123456789").</summary>
public sealed class ChecksumTests
{
    [Theory]
    [InlineData("CRC32", "cbf43926")]
    [InlineData("CRC32C", "e3069283")]
    [InlineData("CRC64NVME", "ae8b14860a799888")]
    [InlineData("SHA1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441")]
    [InlineData("SHA256", "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225")]
    public void CheckValues(string algorithm, string hex)
    {
        var checksum = Checksum.Create(algorithm);
        var data = Encoding.ASCII.GetBytes("123456789");
        checksum.Append(data.AsSpan(0, 4)); // split input: state carries across appends
        checksum.Append(data.AsSpan(4));
        Assert.Equal(hex, Convert.ToHexStringLower(checksum.Digest()));
    }

    [Theory]
    [InlineData("bytes=0-4", 10, 0L, 5L)]
    [InlineData("bytes=-3", 10, 7L, 3L)]
    [InlineData("bytes=8-", 10, 8L, 2L)]
    [InlineData("bytes=5-100", 10, 5L, 5L)]
    public void RangesResolve(string header, long size, long start, long length)
    {
        Assert.Equal((start, length), S3Provider.ParseRange(header, size));
    }

    [Theory]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=5-2")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,3-4")]
    public void UnusableRangesMeanTheWholeObject(string header) => Assert.Null(S3Provider.ParseRange(header, 10));

    [Fact]
    public void UnsatisfiableRangeIs416()
    {
        var error = Assert.ThrowsAny<Gureum.Core.AwsServiceException>(() => S3Provider.ParseRange("bytes=10-", 10));
        Assert.Equal("InvalidRange", error.Code);
        Assert.Equal(416, error.HttpStatus);
    }

    [Theory]
    [InlineData("abc", true)]
    [InlineData("my.bucket-1", true)]
    [InlineData("ab", false)]
    [InlineData("Abc", false)]
    [InlineData("a..b", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("xn--abc", false)]
    [InlineData("abc-", false)]
    public void BucketNames(string name, bool valid) => Assert.Equal(valid, S3Provider.IsValidBucketName(name));

    [Theory]
    [InlineData("src/dir/a%20b.txt", "src", "dir/a b.txt", null)]
    [InlineData("/src/k?versionId=v1", "src", "k", "v1")]
    public void CopySources(string header, string bucket, string key, string? version) =>
        Assert.Equal((bucket, key, version), S3Provider.ParseCopySource(header));
}
