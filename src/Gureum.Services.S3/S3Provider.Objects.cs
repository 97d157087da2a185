using System.Globalization;
using Gureum.Api.S3;
using Gureum.Core;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    public override async ValueTask<PutObjectOutput> PutObjectAsync(RequestContext context, PutObjectRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken, request.Key ?? "").ConfigureAwait(false);
        CheckKey(request.Key);
        CheckMetadata(request.Metadata);
        var tagging = HeaderTagging(request.Tagging);
        if (request.IfNoneMatch is not null && request.IfNoneMatch.Trim() != "*")
        {
            throw new AwsServiceException("NotImplemented", "A header you provided implies functionality that is not implemented", 501)
                .With("Header", "If-None-Match");
        }
        var declared = HeaderChecksum(request.ChecksumCRC32, request.ChecksumCRC32C, request.ChecksumCRC64NVME, request.ChecksumSHA1, request.ChecksumSHA256);
        var ingested = await IngestAsync(request.Body, request.ContentMD5, request.ChecksumAlgorithm, declared, cancellationToken).ConfigureAwait(false);
        var record = new ObjectRecord
        {
            Key = request.Key!,
            Size = ingested.Blob.Length,
            ETag = Quote(ingested.Md5Hex),
            LastModified = Now(context),
            Segments = [new Segment { Blob = ingested.Blob.Id, Length = ingested.Blob.Length }],
            ContentType = request.ContentType ?? "binary/octet-stream",
            ContentEncoding = request.ContentEncoding,
            ContentDisposition = request.ContentDisposition,
            ContentLanguage = request.ContentLanguage,
            CacheControl = request.CacheControl,
            Expires = request.Expires,
            WebsiteRedirectLocation = request.WebsiteRedirectLocation,
            Metadata = NormalizeMetadata(request.Metadata),
            StorageClass = request.StorageClass ?? "STANDARD",
            ChecksumAlgorithm = ingested.ChecksumAlgorithm,
            ChecksumValue = ingested.ChecksumValue,
            ChecksumType = "FULL_OBJECT",
            Tagging = tagging,
            Owner = context.AccountId,
        };
        try
        {
            await CommitVersionAsync(bucket, record, request.IfMatch, request.IfNoneMatch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await _blobs.DeleteAsync(ingested.Blob.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var output = new PutObjectOutput
        {
            ETag = record.ETag,
            ChecksumType = "FULL_OBJECT",
            VersionId = bucket.Versioning == "Enabled" ? record.VersionId : null,
        };
        SetChecksum(record.ChecksumAlgorithm, record.ChecksumValue, (a, v) =>
        {
            switch (a)
            {
                case "CRC32": output.ChecksumCRC32 = v; break;
                case "CRC32C": output.ChecksumCRC32C = v; break;
                case "CRC64NVME": output.ChecksumCRC64NVME = v; break;
                case "SHA1": output.ChecksumSHA1 = v; break;
                case "SHA256": output.ChecksumSHA256 = v; break;
            }
        });
        return output;
    }

    private static void SetChecksum(string? algorithm, string? value, Action<string, string> set)
    {
        if (algorithm is not null && value is not null)
        {
            set(algorithm, value);
        }
    }

    private async ValueTask<ObjectRecord> ReadableObjectAsync(RequestContext context, string? bucketName, string? key, string? versionId, CancellationToken ct) =>
        (await ReadableAsync(context, bucketName, key, versionId, "GET", ct).ConfigureAwait(false)).Record;

    private async ValueTask<(BucketRecord Bucket, ObjectRecord Record)> ReadableAsync(RequestContext context, string? bucketName, string? key, string? versionId, string method, CancellationToken ct)
    {
        var bucket = await BucketAsync(context, bucketName, ct, key ?? "").ConfigureAwait(false);
        CheckKey(key);
        return (bucket, await ResolveVersionAsync(bucket, key!, versionId, method, ct).ConfigureAwait(false));
    }

    /// <summary>If-Match and If-Unmodified-Since fail with 412; If-None-Match and If-Modified-Since with 304 (RFC 7232 order, as S3).</summary>
    private static void CheckConditions(ObjectRecord record, string? ifMatch, DateTimeOffset? ifUnmodifiedSince, string? ifNoneMatch, DateTimeOffset? ifModifiedSince, DateTimeOffset now)
    {
        if (ifMatch is not null)
        {
            if (!EtagMatches(ifMatch, record.ETag))
            {
                throw S3Errors.PreconditionFailed("If-Match");
            }
        }
        else if (ifUnmodifiedSince is { } unmodified && record.LastModified > unmodified)
        {
            throw S3Errors.PreconditionFailed("If-Unmodified-Since");
        }
        if (ifNoneMatch is not null)
        {
            if (EtagMatches(ifNoneMatch, record.ETag))
            {
                throw S3Errors.NotModified(record.ETag, record.LastModified);
            }
        }
        else if (ifModifiedSince is { } modified && modified <= now && record.LastModified <= modified)
        {
            throw S3Errors.NotModified(record.ETag, record.LastModified);
        }
    }

    /// <summary>The byte range of a Range header, null for none or an unparseable one (S3 then sends the whole object).</summary>
    internal static (long Start, long Length)? ParseRange(string? header, long size)
    {
        if (header is null)
        {
            return null;
        }
        var text = header.Trim();
        if (!text.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || text.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }
        var spec = text[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }
        var first = spec[..dash].Trim();
        var last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return null;
            }
            if (suffix == 0 || size == 0)
            {
                throw S3Errors.InvalidRange(header, size);
            }
            suffix = Math.Min(suffix, size);
            return (size - suffix, suffix);
        }
        if (!long.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return null;
        }
        long end;
        if (last.Length == 0)
        {
            end = size - 1;
        }
        else if (!long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
        {
            return null;
        }
        if (start >= size)
        {
            throw S3Errors.InvalidRange(header, size);
        }
        end = Math.Min(end, size - 1);
        return (start, end - start + 1);
    }

    private sealed record ReadPlan(long Start, long Length, bool Partial, string? ContentRange, int? PartsCount);

    private static ReadPlan Plan(ObjectRecord record, string? range, int? partNumber)
    {
        if (partNumber is { } number)
        {
            var sizes = record.PartSizes ?? [record.Size];
            if (number < 1 || number > 10000)
            {
                throw S3Errors.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", number.ToString(CultureInfo.InvariantCulture));
            }
            if (number > sizes.Count)
            {
                throw S3Errors.InvalidRange(number.ToString(CultureInfo.InvariantCulture), record.Size) ;
            }
            long offset = 0;
            for (var i = 0; i < number - 1; i++)
            {
                offset += sizes[i];
            }
            var length = sizes[number - 1];
            return new ReadPlan(offset, length, record.PartSizes is not null,
                record.PartSizes is null ? null : $"bytes {offset}-{offset + length - 1}/{record.Size}", record.PartSizes?.Count);
        }
        var parsed = ParseRange(range, record.Size);
        if (parsed is { } r)
        {
            return new ReadPlan(r.Start, r.Length, true, $"bytes {r.Start}-{r.Start + r.Length - 1}/{record.Size}", null);
        }
        return new ReadPlan(0, record.Size, false, null, null);
    }

    public override async ValueTask<GetObjectOutput> GetObjectAsync(RequestContext context, GetObjectRequest request, CancellationToken cancellationToken)
    {
        var (bucket, record) = await ReadableAsync(context, request.Bucket, request.Key, request.VersionId, "GET", cancellationToken).ConfigureAwait(false);
        CheckConditions(record, request.IfMatch, request.IfUnmodifiedSince, request.IfNoneMatch, request.IfModifiedSince, context.ReceivedAt);
        var plan = Plan(record, request.Range, request.PartNumber);
        var output = new GetObjectOutput
        {
            Body = new SegmentStream(_blobs, record.Segments, plan.Start, plan.Length),
            ContentLength = plan.Length,
            ContentRange = plan.ContentRange,
            HttpStatusCode = plan.Partial ? 206 : null,
            AcceptRanges = "bytes",
            ETag = record.ETag,
            LastModified = record.LastModified,
            ContentType = request.ResponseContentType ?? record.ContentType,
            ContentEncoding = request.ResponseContentEncoding ?? record.ContentEncoding,
            ContentDisposition = request.ResponseContentDisposition ?? record.ContentDisposition,
            ContentLanguage = request.ResponseContentLanguage ?? record.ContentLanguage,
            CacheControl = request.ResponseCacheControl ?? record.CacheControl,
            Expires = request.ResponseExpires is { } expires ? Http(expires) : record.Expires,
            WebsiteRedirectLocation = record.WebsiteRedirectLocation,
            Metadata = record.Metadata,
            StorageClass = record.StorageClass == "STANDARD" ? null : record.StorageClass,
            PartsCount = plan.PartsCount,
            VersionId = WireVersion(bucket, record),
            TagCount = TagCount(record.Tagging),
        };
        if (request.ChecksumMode == "ENABLED" && !plan.Partial && record.ChecksumValue is not null)
        {
            output.ChecksumType = record.ChecksumType;
            SetChecksum(record.ChecksumAlgorithm, record.ChecksumValue, (a, v) =>
            {
                switch (a)
                {
                    case "CRC32": output.ChecksumCRC32 = v; break;
                    case "CRC32C": output.ChecksumCRC32C = v; break;
                    case "CRC64NVME": output.ChecksumCRC64NVME = v; break;
                    case "SHA1": output.ChecksumSHA1 = v; break;
                    case "SHA256": output.ChecksumSHA256 = v; break;
                }
            });
        }
        return output;
    }

    public override async ValueTask<HeadObjectOutput> HeadObjectAsync(RequestContext context, HeadObjectRequest request, CancellationToken cancellationToken)
    {
        var (bucket, record) = await ReadableAsync(context, request.Bucket, request.Key, request.VersionId, "HEAD", cancellationToken).ConfigureAwait(false);
        CheckConditions(record, request.IfMatch, request.IfUnmodifiedSince, request.IfNoneMatch, request.IfModifiedSince, context.ReceivedAt);
        var plan = Plan(record, request.Range, request.PartNumber);
        var output = new HeadObjectOutput
        {
            ContentLength = plan.Length,
            ContentRange = plan.ContentRange,
            HttpStatusCode = plan.Partial ? 206 : null,
            AcceptRanges = "bytes",
            ETag = record.ETag,
            LastModified = record.LastModified,
            ContentType = request.ResponseContentType ?? record.ContentType,
            ContentEncoding = request.ResponseContentEncoding ?? record.ContentEncoding,
            ContentDisposition = request.ResponseContentDisposition ?? record.ContentDisposition,
            ContentLanguage = request.ResponseContentLanguage ?? record.ContentLanguage,
            CacheControl = request.ResponseCacheControl ?? record.CacheControl,
            Expires = request.ResponseExpires is { } expires ? Http(expires) : record.Expires,
            WebsiteRedirectLocation = record.WebsiteRedirectLocation,
            Metadata = record.Metadata,
            StorageClass = record.StorageClass == "STANDARD" ? null : record.StorageClass,
            PartsCount = plan.PartsCount,
            VersionId = WireVersion(bucket, record),
        };
        if (request.ChecksumMode == "ENABLED" && !plan.Partial && record.ChecksumValue is not null)
        {
            output.ChecksumType = record.ChecksumType;
            SetChecksum(record.ChecksumAlgorithm, record.ChecksumValue, (a, v) =>
            {
                switch (a)
                {
                    case "CRC32": output.ChecksumCRC32 = v; break;
                    case "CRC32C": output.ChecksumCRC32C = v; break;
                    case "CRC64NVME": output.ChecksumCRC64NVME = v; break;
                    case "SHA1": output.ChecksumSHA1 = v; break;
                    case "SHA256": output.ChecksumSHA256 = v; break;
                }
            });
        }
        return output;
    }

    private static int? TagCount(string? tagging)
    {
        if (string.IsNullOrEmpty(tagging))
        {
            return null;
        }
        return tagging.Split('&', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    public override async ValueTask<DeleteObjectOutput> DeleteObjectAsync(RequestContext context, DeleteObjectRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken, request.Key ?? "").ConfigureAwait(false);
        CheckKey(request.Key);
        var result = await DeleteOneAsync(context, bucket, request.Key!, request.VersionId, request.IfMatch, cancellationToken).ConfigureAwait(false);
        return new DeleteObjectOutput { DeleteMarker = result.DeleteMarker ? true : null, VersionId = result.VersionId };
    }

    private sealed record DeleteResult(bool DeleteMarker, string? VersionId);

    /// <summary>
    /// DeleteObject's semantics: with a version id, that version goes for good; without one, an unversioned bucket
    /// loses the object, a versioned bucket gains a delete marker (version "null" when suspended).
    /// Deleting a missing key or version succeeds (S3 deletes are idempotent).
    /// </summary>
    private async Task<DeleteResult> DeleteOneAsync(RequestContext context, BucketRecord bucket, string key, string? versionId, string? ifMatch, CancellationToken ct)
    {
        if (versionId is not null)
        {
            if (versionId.Length == 0 || (versionId != "null" && !IsVersionIdShape(versionId)))
            {
                throw S3Errors.InvalidArgument("Invalid version id specified", "versionId", versionId);
            }
            if (ifMatch is not null)
            {
                var (current, _) = await FindObjectAsync(bucket.Name, key, ct).ConfigureAwait(false);
                if (current is null || current.VersionId != versionId || !EtagMatches(ifMatch, current.ETag))
                {
                    throw S3Errors.PreconditionFailed("If-Match");
                }
            }
            var removed = await DeleteVersionAsync(bucket.Name, key, versionId, ct).ConfigureAwait(false);
            return new DeleteResult(removed?.DeleteMarker == true, versionId);
        }
        if (ifMatch is not null)
        {
            var (current, _) = await FindObjectAsync(bucket.Name, key, ct).ConfigureAwait(false);
            if (current is null)
            {
                throw S3Errors.NoSuchKey(key);
            }
            if (!EtagMatches(ifMatch, current.ETag))
            {
                throw S3Errors.PreconditionFailed("If-Match");
            }
        }
        if (bucket.Versioning is null)
        {
            await DeleteVersionAsync(bucket.Name, key, "null", ct).ConfigureAwait(false);
            return new DeleteResult(false, null);
        }
        var marker = new ObjectRecord { Key = key, DeleteMarker = true, LastModified = Now(context), Owner = context.AccountId, ETag = "" };
        await CommitVersionAsync(bucket, marker, null, null, ct).ConfigureAwait(false);
        return new DeleteResult(true, marker.VersionId);
    }

    public override async ValueTask<DeleteObjectsOutput> DeleteObjectsAsync(RequestContext context, DeleteObjectsRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var objects = request.Delete?.Objects ?? [];
        if (objects.Count is 0 or > 1000)
        {
            throw S3Errors.MalformedXml();
        }
        var quiet = request.Delete?.Quiet == true;
        var deleted = new List<DeletedObject>();
        var errors = new List<Error>();
        foreach (var item in objects)
        {
            var key = item.Key ?? "";
            try
            {
                CheckKey(key);
                var result = await DeleteOneAsync(context, bucket, key, item.VersionId, item.ETag, cancellationToken).ConfigureAwait(false);
                if (!quiet)
                {
                    deleted.Add(item.VersionId is null
                        ? new DeletedObject { Key = key, DeleteMarker = result.DeleteMarker ? true : null, DeleteMarkerVersionId = result.DeleteMarker ? result.VersionId : null }
                        : new DeletedObject { Key = key, VersionId = item.VersionId, DeleteMarker = result.DeleteMarker ? true : null, DeleteMarkerVersionId = result.DeleteMarker ? item.VersionId : null });
                }
            }
            catch (AwsServiceException e) when (e.HttpStatus < 500)
            {
                errors.Add(new Error { Key = key, VersionId = item.VersionId, Code = e.Code, Message = e.Message });
            }
        }
        return new DeleteObjectsOutput
        {
            Deleted = deleted.Count > 0 ? deleted : null,
            Errors = errors.Count > 0 ? errors : null,
        };
    }
}
