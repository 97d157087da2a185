using System.Text;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.S3;

/// <summary>Object and bucket tagging, and GetObjectAttributes. Tags are stored as S3 sends them in x-amz-tagging: a URL query string.</summary>
public sealed partial class S3Provider
{
    internal static List<Tag> ParseTagging(string? tagging)
    {
        var tags = new List<Tag>();
        if (string.IsNullOrEmpty(tagging))
        {
            return tags;
        }
        foreach (var pair in tagging.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            var value = eq < 0 ? "" : pair[(eq + 1)..];
            tags.Add(new Tag { Key = Unescape(key), Value = Unescape(value) });
        }
        return tags;
    }

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    internal static string FormatTagging(IEnumerable<Tag> tags)
    {
        var sb = new StringBuilder();
        foreach (var tag in tags)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }
            sb.Append(Uri.EscapeDataString(tag.Key ?? "")).Append('=').Append(Uri.EscapeDataString(tag.Value ?? ""));
        }
        return sb.ToString();
    }

    private static bool IsTagText(string text)
    {
        foreach (var c in text)
        {
            if (!(char.IsLetterOrDigit(c) || char.IsWhiteSpace(c) || c is '+' or '-' or '=' or '.' or '_' or ':' or '/' or '@'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>S3's tag rules: at most 10 tags on an object (50 on a bucket), keys 1–128 and values 0–256 characters, unique keys.</summary>
    internal static void CheckTags(List<Tag> tags, bool bucket, bool fromHeader = false)
    {
        if (!bucket && tags.Count > 10)
        {
            throw new AwsServiceException("BadRequest", "Object tags cannot be greater than 10", 400);
        }
        if (bucket && tags.Count > 50)
        {
            throw new AwsServiceException("InvalidTag", "Bucket tag count cannot be greater than 50", 400);
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            var key = tag.Key ?? "";
            var value = tag.Value ?? "";
            if (key.Length > 128)
            {
                throw new AwsServiceException("InvalidTag", "The TagKey you have provided is too long, max 128", 400).With("TagKey", key);
            }
            if (value.Length > 256)
            {
                throw new AwsServiceException("InvalidTag", "The TagValue you have provided is too long, max 256", 400).With("TagKey", key).With("TagValue", value);
            }
            if (key.Length == 0 || !IsTagText(key))
            {
                throw new AwsServiceException("InvalidTag", "The TagKey you have provided is invalid", 400).With("TagKey", key);
            }
            if (!IsTagText(value))
            {
                throw new AwsServiceException("InvalidTag", "The TagValue you have provided is invalid", 400).With("TagKey", key).With("TagValue", value);
            }
            if (bucket && key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new AwsServiceException("InvalidTag", "System tags cannot be added/updated by requester", 400);
            }
            if (!seen.Add(key))
            {
                if (fromHeader)
                {
                    throw S3Errors.InvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", null);
                }
                throw new AwsServiceException("InvalidTag", "Cannot provide multiple Tags with the same key", 400).With("TagKey", key);
            }
        }
    }

    /// <summary>The x-amz-tagging header, validated and normalized; null when absent or empty.</summary>
    internal static string? HeaderTagging(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }
        var tags = ParseTagging(header);
        CheckTags(tags, bucket: false, fromHeader: true);
        return tags.Count == 0 ? null : FormatTagging(tags);
    }

    /// <summary>Rewrites one version (the current one when <paramref name="versionId"/> is null) in place.</summary>
    private async Task<ObjectRecord> UpdateVersionAsync(BucketRecord bucket, string key, string? versionId, Action<ObjectRecord> change, CancellationToken ct)
    {
        var objectKey = ObjectKey(bucket.Name, key);
        while (true)
        {
            var versions = await VersionsOfAsync(bucket.Name, key, ct).ConfigureAwait(false);
            StoredVersion? target;
            if (versionId is null)
            {
                target = versions.Count > 0 && !versions[0].Record.DeleteMarker ? versions[0] : null;
                if (target is null)
                {
                    await ResolveVersionAsync(bucket, key, null, "PUT", ct).ConfigureAwait(false); // throws NoSuchKey with the delete-marker headers
                    throw S3Errors.NoSuchKey(key);
                }
            }
            else
            {
                target = versions.Find(v => v.Record.VersionId == versionId);
                if (target is null || target.Record.DeleteMarker)
                {
                    await ResolveVersionAsync(bucket, key, versionId, "PUT", ct).ConfigureAwait(false);
                    throw S3Errors.NoSuchKey(key);
                }
            }
            var record = target.Record;
            change(record);
            var bytes = S3Json.Bytes(record);
            var batch = new WriteBatch().RequireValue(Versions, target.StoreKey, target.Raw).Put(Versions, target.StoreKey, bytes);
            if (ReferenceEquals(target, versions[0]))
            {
                batch.RequireExists(Objects, objectKey).Put(Objects, objectKey, bytes);
            }
            if (await _state.CommitAsync(batch, ct).ConfigureAwait(false))
            {
                return record;
            }
        }
    }

    public override async ValueTask<PutObjectTaggingOutput> PutObjectTaggingAsync(RequestContext context, PutObjectTaggingRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckKey(request.Key);
        var tags = request.Tagging?.TagSet ?? [];
        CheckTags(tags, bucket: false);
        var record = await UpdateVersionAsync(bucket, request.Key!, request.VersionId, r => r.Tagging = tags.Count == 0 ? null : FormatTagging(tags), cancellationToken).ConfigureAwait(false);
        return new PutObjectTaggingOutput { VersionId = WireVersion(bucket, record) };
    }

    public override async ValueTask<GetObjectTaggingOutput> GetObjectTaggingAsync(RequestContext context, GetObjectTaggingRequest request, CancellationToken cancellationToken)
    {
        var (bucket, record) = await ReadableAsync(context, request.Bucket, request.Key, request.VersionId, "GET", cancellationToken).ConfigureAwait(false);
        return new GetObjectTaggingOutput { VersionId = WireVersion(bucket, record), TagSet = ParseTagging(record.Tagging) };
    }

    public override async ValueTask<DeleteObjectTaggingOutput> DeleteObjectTaggingAsync(RequestContext context, DeleteObjectTaggingRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckKey(request.Key);
        var record = await UpdateVersionAsync(bucket, request.Key!, request.VersionId, r => r.Tagging = null, cancellationToken).ConfigureAwait(false);
        return new DeleteObjectTaggingOutput { VersionId = WireVersion(bucket, record) };
    }

    private async Task UpdateBucketAsync(string name, Action<BucketRecord> change, CancellationToken ct)
    {
        while (true)
        {
            var raw = await _state.GetAsync(Buckets, name, ct).ConfigureAwait(false) ?? throw S3Errors.NoSuchBucket(name);
            var record = S3Json.Bucket(raw);
            change(record);
            if (await _state.CommitAsync(new WriteBatch().RequireValue(Buckets, name, raw).Put(Buckets, name, S3Json.Bytes(record)), ct).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    public override async ValueTask<Empty> PutBucketTaggingAsync(RequestContext context, PutBucketTaggingRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var tags = request.Tagging?.TagSet ?? throw S3Errors.MalformedXml();
        CheckTags(tags, bucket: true);
        await UpdateBucketAsync(bucket.Name, b => b.Tagging = FormatTagging(tags), cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<GetBucketTaggingOutput> GetBucketTaggingAsync(RequestContext context, GetBucketTaggingRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        if (bucket.Tagging is null)
        {
            throw new AwsServiceException("NoSuchTagSet", "The TagSet does not exist", 404).With("BucketName", bucket.Name);
        }
        return new GetBucketTaggingOutput { TagSet = ParseTagging(bucket.Tagging) };
    }

    public override async ValueTask<Empty> DeleteBucketTaggingAsync(RequestContext context, DeleteBucketTaggingRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        await UpdateBucketAsync(bucket.Name, b => b.Tagging = null, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<GetObjectAttributesOutput> GetObjectAttributesAsync(RequestContext context, GetObjectAttributesRequest request, CancellationToken cancellationToken)
    {
        var (bucket, record) = await ReadableAsync(context, request.Bucket, request.Key, request.VersionId, "GET", cancellationToken).ConfigureAwait(false);
        var wanted = new HashSet<string>(request.ObjectAttributes ?? [], StringComparer.Ordinal);
        foreach (var name in wanted)
        {
            if (name is not ("ETag" or "Checksum" or "ObjectParts" or "StorageClass" or "ObjectSize"))
            {
                throw S3Errors.InvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", name);
            }
        }
        var output = new GetObjectAttributesOutput
        {
            LastModified = record.LastModified,
            VersionId = WireVersion(bucket, record),
            ETag = wanted.Contains("ETag") ? record.ETag.Trim('"') : null,
            StorageClass = wanted.Contains("StorageClass") ? record.StorageClass : null,
            ObjectSize = wanted.Contains("ObjectSize") ? record.Size : null,
        };
        if (wanted.Contains("Checksum") && record.ChecksumValue is not null)
        {
            var checksum = new Gureum.Api.S3.Checksum { ChecksumType = record.ChecksumType };
            SetChecksum(record.ChecksumAlgorithm, record.ChecksumValue, (a, v) =>
            {
                switch (a)
                {
                    case "CRC32": checksum.ChecksumCRC32 = v; break;
                    case "CRC32C": checksum.ChecksumCRC32C = v; break;
                    case "CRC64NVME": checksum.ChecksumCRC64NVME = v; break;
                    case "SHA1": checksum.ChecksumSHA1 = v; break;
                    case "SHA256": checksum.ChecksumSHA256 = v; break;
                }
            });
            output.Checksum = checksum;
        }
        if (wanted.Contains("ObjectParts") && record.PartSizes is { } sizes)
        {
            var max = request.MaxParts ?? 1000;
            var marker = request.PartNumberMarker ?? 0;
            var parts = new List<ObjectPart>();
            for (var i = marker; i < sizes.Count && parts.Count < max; i++)
            {
                parts.Add(new ObjectPart { PartNumber = i + 1, Size = sizes[i] });
            }
            var last = parts.Count > 0 ? parts[^1].PartNumber : marker;
            output.ObjectParts = new GetObjectAttributesParts
            {
                TotalPartsCount = sizes.Count,
                PartNumberMarker = marker,
                NextPartNumberMarker = last,
                MaxParts = max,
                IsTruncated = last < sizes.Count,
                Parts = parts,
            };
        }
        return output;
    }
}
