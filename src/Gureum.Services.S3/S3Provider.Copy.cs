using Gureum.Api.S3;
using Gureum.Core;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    /// <summary>x-amz-copy-source: "[/]bucket/key[?versionId=id]", the key URL-encoded.</summary>
    internal static (string Bucket, string Key, string? VersionId) ParseCopySource(string? source)
    {
        if (string.IsNullOrEmpty(source))
        {
            throw S3Errors.InvalidCopySource();
        }
        string? versionId = null;
        var question = source.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            foreach (var pair in source[(question + 1)..].Split('&'))
            {
                if (pair.StartsWith("versionId=", StringComparison.Ordinal))
                {
                    versionId = Uri.UnescapeDataString(pair["versionId=".Length..]);
                }
            }
            source = source[..question];
        }
        var decoded = Uri.UnescapeDataString(source).TrimStart('/');
        var slash = decoded.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == decoded.Length - 1)
        {
            throw S3Errors.InvalidCopySource();
        }
        return (decoded[..slash], decoded[(slash + 1)..], versionId);
    }

    /// <summary>The object a copy reads; a delete marker named by version id is a 400, as on S3.</summary>
    private async ValueTask<ObjectRecord> CopySourceAsync(RequestContext context, string bucket, string key, string? versionId, CancellationToken ct)
    {
        try
        {
            return await ReadableObjectAsync(context, bucket, key, versionId, ct).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Code == "MethodNotAllowed")
        {
            throw S3Errors.InvalidRequest("The source of a copy request may not specifically refer to a delete marker by version id.");
        }
    }

    private static void CheckCopyConditions(ObjectRecord source, string? ifMatch, string? ifNoneMatch, DateTimeOffset? ifUnmodifiedSince, DateTimeOffset? ifModifiedSince)
    {
        if (ifMatch is not null && !EtagMatches(ifMatch, source.ETag))
        {
            throw S3Errors.PreconditionFailed("x-amz-copy-source-If-Match");
        }
        if (ifMatch is null && ifUnmodifiedSince is { } u && source.LastModified > u)
        {
            throw S3Errors.PreconditionFailed("x-amz-copy-source-If-Unmodified-Since");
        }
        if (ifNoneMatch is not null && EtagMatches(ifNoneMatch, source.ETag))
        {
            throw S3Errors.PreconditionFailed("x-amz-copy-source-If-None-Match");
        }
        if (ifNoneMatch is null && ifModifiedSince is { } m && source.LastModified <= m)
        {
            throw S3Errors.PreconditionFailed("x-amz-copy-source-If-Modified-Since");
        }
    }

    public override async ValueTask<CopyObjectOutput> CopyObjectAsync(RequestContext context, CopyObjectRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckKey(request.Key);
        var (sourceBucket, sourceKey, sourceVersion) = ParseCopySource(request.CopySource);
        var source = await CopySourceAsync(context, sourceBucket, sourceKey, sourceVersion, cancellationToken).ConfigureAwait(false);
        CheckCopyConditions(source, request.CopySourceIfMatch, request.CopySourceIfNoneMatch, request.CopySourceIfUnmodifiedSince, request.CopySourceIfModifiedSince);

        var directive = request.MetadataDirective ?? "COPY";
        if (directive is not ("COPY" or "REPLACE"))
        {
            throw S3Errors.InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
        }
        var replace = directive == "REPLACE";
        var taggingDirective = request.TaggingDirective ?? "COPY";
        if (taggingDirective is not ("COPY" or "REPLACE"))
        {
            throw S3Errors.InvalidArgument("Unknown tagging directive.", "x-amz-tagging-directive", taggingDirective);
        }
        var tagging = taggingDirective == "REPLACE" ? HeaderTagging(request.Tagging) : source.Tagging;
        if (sourceBucket == bucket.Name && sourceKey == request.Key && !replace && request.StorageClass is null
            && request.WebsiteRedirectLocation is null && request.ServerSideEncryption is null && request.SSEKMSKeyId is null
            && request.ChecksumAlgorithm is null)
        {
            throw S3Errors.InvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
        }
        if (replace)
        {
            CheckMetadata(request.Metadata);
        }
        CheckAlgorithm(request.ChecksumAlgorithm);
        var algorithm = request.ChecksumAlgorithm?.ToUpperInvariant() ?? source.ChecksumAlgorithm ?? "CRC64NVME";
        var hashing = new HashingStream(new SegmentStream(_blobs, source.Segments, 0, source.Size), Checksum.Create(algorithm));
        Gureum.Storage.BlobInfo blob;
        await using (hashing.ConfigureAwait(false))
        {
            blob = await _blobs.WriteAsync(hashing, cancellationToken).ConfigureAwait(false);
        }
        var md5 = Convert.ToHexStringLower(hashing.Md5());
        var record = new ObjectRecord
        {
            Key = request.Key!,
            Size = blob.Length,
            ETag = Quote(md5),
            LastModified = Now(context),
            Segments = [new Segment { Blob = blob.Id, Length = blob.Length }],
            ContentType = replace ? request.ContentType ?? "binary/octet-stream" : source.ContentType,
            ContentEncoding = replace ? request.ContentEncoding : source.ContentEncoding,
            ContentDisposition = replace ? request.ContentDisposition : source.ContentDisposition,
            ContentLanguage = replace ? request.ContentLanguage : source.ContentLanguage,
            CacheControl = replace ? request.CacheControl : source.CacheControl,
            Expires = replace ? request.Expires : source.Expires,
            Metadata = replace ? NormalizeMetadata(request.Metadata) : source.Metadata,
            WebsiteRedirectLocation = request.WebsiteRedirectLocation,
            StorageClass = request.StorageClass ?? "STANDARD",
            ChecksumAlgorithm = algorithm,
            ChecksumValue = hashing.Checksum!.Base64(),
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
            await _blobs.DeleteAsync(blob.Id, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var result = new CopyObjectResult { ETag = record.ETag, LastModified = record.LastModified, ChecksumType = "FULL_OBJECT" };
        SetChecksum(record.ChecksumAlgorithm, record.ChecksumValue, (a, v) =>
        {
            switch (a)
            {
                case "CRC32": result.ChecksumCRC32 = v; break;
                case "CRC32C": result.ChecksumCRC32C = v; break;
                case "CRC64NVME": result.ChecksumCRC64NVME = v; break;
                case "SHA1": result.ChecksumSHA1 = v; break;
                case "SHA256": result.ChecksumSHA256 = v; break;
            }
        });
        return new CopyObjectOutput
        {
            CopyObjectResult = result,
            CopySourceVersionId = sourceVersion is null && source.VersionId == "null" ? null : source.VersionId,
            VersionId = bucket.Versioning == "Enabled" ? record.VersionId : null,
        };
    }
}
