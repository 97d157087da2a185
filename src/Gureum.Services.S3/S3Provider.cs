using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.S3;

/// <summary>
/// Amazon S3 over the state store (metadata) and the blob store (payload bytes).
/// Tables (bucket names are one global namespace, so keys start with the bucket name, not the account):
/// <list type="bullet">
/// <item><c>s3/buckets</c>: bucket name → <see cref="BucketRecord"/></item>
/// <item><c>s3/account-buckets</c>: account + "/" + bucket name → empty (ListBuckets is an ordered prefix scan)</item>
/// <item><c>s3/objects</c>: bucket + "/" + key → <see cref="ObjectRecord"/> (listings are ordered range scans)</item>
/// <item><c>s3/uploads</c>: bucket + "/" + key + "\0" + uploadId → <see cref="UploadRecord"/></item>
/// <item><c>s3/parts</c>: uploadId + "/" + 5-digit part number → <see cref="PartRecord"/></item>
/// </list>
/// </summary>
public sealed partial class S3Provider : S3ServiceBase
{
    internal const string Buckets = "s3/buckets";
    internal const string AccountBuckets = "s3/account-buckets";
    internal const string Objects = "s3/objects";
    internal const string Uploads = "s3/uploads";
    internal const string Parts = "s3/parts";
    internal const long MinPartSize = 5L * 1024 * 1024;

    private readonly IStateStore _state;
    private readonly IBlobStore _blobs;

    public S3Provider(IStateStore state, IBlobStore blobs)
    {
        _state = state;
        _blobs = blobs;
    }

    internal static string ObjectKey(string bucket, string key) => bucket + "/" + key;

    /// <summary>S3's canonical user id for an account: 64 hex characters, stable.</summary>
    internal static string CanonicalId(string account) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("gureum-s3-canonical-user:" + account)));

    internal static Owner OwnerOf(string account) => new() { ID = CanonicalId(account) };

    private async ValueTask<BucketRecord?> FindBucketAsync(string name, CancellationToken ct)
    {
        var bytes = await _state.GetAsync(Buckets, name, ct).ConfigureAwait(false);
        return bytes is null ? null : S3Json.Bucket(bytes);
    }

    /// <summary>The bucket, when it exists and the caller may use it.</summary>
    private async ValueTask<BucketRecord> BucketAsync(RequestContext context, string? name, CancellationToken ct)
    {
        CheckCaller(context);
        name ??= "";
        var bucket = await FindBucketAsync(name, ct).ConfigureAwait(false) ?? throw S3Errors.NoSuchBucket(name);
        if (bucket.Account != context.AccountId)
        {
            throw S3Errors.AccessDenied(); // no bucket policies or ACL grants yet: other accounts are denied
        }
        return bucket;
    }

    private static void CheckCaller(RequestContext context)
    {
        if (context.Caller.IsAnonymous)
        {
            throw S3Errors.AccessDenied();
        }
    }

    private async ValueTask<(ObjectRecord? Record, byte[]? Raw)> FindObjectAsync(string bucket, string key, CancellationToken ct)
    {
        var bytes = await _state.GetAsync(Objects, ObjectKey(bucket, key), ct).ConfigureAwait(false);
        return bytes is null ? (null, null) : (S3Json.Object(bytes), bytes);
    }

    private async ValueTask DeleteBlobsAsync(IEnumerable<Segment> segments)
    {
        foreach (var segment in segments)
        {
            await _blobs.DeleteAsync(segment.Blob).ConfigureAwait(false);
        }
    }

    /// <summary>S3 timestamps have second precision on the wire (HTTP dates), so they are stored that way.</summary>
    internal static DateTimeOffset Now(RequestContext context)
    {
        var now = context.Clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
    }

    internal static string NewId(int bytes)
    {
        var raw = RandomNumberGenerator.GetBytes(bytes);
        return Convert.ToBase64String(raw).Replace('+', '.').Replace('/', '_').TrimEnd('=');
    }

    internal static string Quote(string hex) => "\"" + hex + "\"";

    internal static string Http(DateTimeOffset time) => time.ToString("r", CultureInfo.InvariantCulture);
}
