using System.Globalization;
using System.Security.Cryptography;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;
using ScanRange = Gureum.Storage.ScanRange;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    private static string UploadKey(string bucket, string key, string uploadId) => ObjectKey(bucket, key) + "\0" + uploadId;

    private static string PartKey(string uploadId, int partNumber) => uploadId + "/" + partNumber.ToString("D5", CultureInfo.InvariantCulture);

    private async ValueTask<UploadRecord> UploadAsync(string bucket, string? key, string? uploadId, CancellationToken ct)
    {
        CheckKey(key);
        var bytes = string.IsNullOrEmpty(uploadId) ? null : await _state.GetAsync(Uploads, UploadKey(bucket, key!, uploadId), ct).ConfigureAwait(false);
        return bytes is null ? throw S3Errors.NoSuchUpload(uploadId ?? "") : S3Json.Upload(bytes);
    }

    private static void CheckPartNumber(int? partNumber)
    {
        if (partNumber is not (>= 1 and <= 10000))
        {
            throw S3Errors.InvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber",
                partNumber?.ToString(CultureInfo.InvariantCulture));
        }
    }

    public override async ValueTask<CreateMultipartUploadOutput> CreateMultipartUploadAsync(RequestContext context, CreateMultipartUploadRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckKey(request.Key);
        CheckMetadata(request.Metadata);
        CheckAlgorithm(request.ChecksumAlgorithm);
        var upload = new UploadRecord
        {
            UploadId = NewId(48),
            Key = request.Key!,
            Initiated = Now(context),
            Owner = context.AccountId,
            InitiatorArn = context.Caller.Arn,
            ContentType = request.ContentType ?? "binary/octet-stream",
            ContentEncoding = request.ContentEncoding,
            ContentDisposition = request.ContentDisposition,
            ContentLanguage = request.ContentLanguage,
            CacheControl = request.CacheControl,
            Expires = request.Expires,
            WebsiteRedirectLocation = request.WebsiteRedirectLocation,
            Metadata = NormalizeMetadata(request.Metadata),
            StorageClass = request.StorageClass ?? "STANDARD",
            ChecksumAlgorithm = request.ChecksumAlgorithm?.ToUpperInvariant(),
            ChecksumType = request.ChecksumType,
            Tagging = HeaderTagging(request.Tagging),
        };
        var batch = new WriteBatch().RequireExists(Buckets, bucket.Name)
            .Put(Uploads, UploadKey(bucket.Name, upload.Key, upload.UploadId), S3Json.Bytes(upload));
        if (!await _state.CommitAsync(batch, cancellationToken).ConfigureAwait(false))
        {
            throw S3Errors.NoSuchBucket(bucket.Name);
        }
        return new CreateMultipartUploadOutput
        {
            Bucket = bucket.Name,
            Key = upload.Key,
            UploadId = upload.UploadId,
            ChecksumAlgorithm = upload.ChecksumAlgorithm,
            ChecksumType = upload.ChecksumAlgorithm is null ? null : upload.ChecksumType ?? "COMPOSITE",
        };
    }

    /// <summary>Stores a part, replacing an earlier upload of the same number, while the upload still exists.</summary>
    private async Task StorePartAsync(string bucket, UploadRecord upload, PartRecord part, CancellationToken ct)
    {
        var key = PartKey(upload.UploadId, part.PartNumber);
        var old = await _state.GetAsync(Parts, key, ct).ConfigureAwait(false);
        var batch = new WriteBatch().RequireExists(Uploads, UploadKey(bucket, upload.Key, upload.UploadId)).Put(Parts, key, S3Json.Bytes(part));
        if (!await _state.CommitAsync(batch, ct).ConfigureAwait(false))
        {
            await _blobs.DeleteAsync(part.Blob, CancellationToken.None).ConfigureAwait(false);
            throw S3Errors.NoSuchUpload(upload.UploadId);
        }
        if (old is not null)
        {
            await _blobs.DeleteAsync(S3Json.Part(old).Blob, CancellationToken.None).ConfigureAwait(false);
        }
    }

    public override async ValueTask<UploadPartOutput> UploadPartAsync(RequestContext context, UploadPartRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckPartNumber(request.PartNumber);
        var upload = await UploadAsync(bucket.Name, request.Key, request.UploadId, cancellationToken).ConfigureAwait(false);
        var declared = HeaderChecksum(request.ChecksumCRC32, request.ChecksumCRC32C, request.ChecksumCRC64NVME, request.ChecksumSHA1, request.ChecksumSHA256);
        var ingested = await IngestAsync(request.Body, request.ContentMD5, request.ChecksumAlgorithm ?? upload.ChecksumAlgorithm, declared, cancellationToken).ConfigureAwait(false);
        var part = new PartRecord
        {
            PartNumber = request.PartNumber!.Value,
            Blob = ingested.Blob.Id,
            Size = ingested.Blob.Length,
            ETag = Quote(ingested.Md5Hex),
            LastModified = Now(context),
            ChecksumAlgorithm = ingested.ChecksumProvided || upload.ChecksumAlgorithm is not null ? ingested.ChecksumAlgorithm : null,
            ChecksumValue = ingested.ChecksumProvided || upload.ChecksumAlgorithm is not null ? ingested.ChecksumValue : null,
        };
        await StorePartAsync(bucket.Name, upload, part, cancellationToken).ConfigureAwait(false);
        var output = new UploadPartOutput { ETag = part.ETag };
        SetChecksum(part.ChecksumAlgorithm, part.ChecksumValue, (a, v) =>
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

    public override async ValueTask<UploadPartCopyOutput> UploadPartCopyAsync(RequestContext context, UploadPartCopyRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        CheckPartNumber(request.PartNumber);
        var upload = await UploadAsync(bucket.Name, request.Key, request.UploadId, cancellationToken).ConfigureAwait(false);
        var (sourceBucket, sourceKey, sourceVersion) = ParseCopySource(request.CopySource);
        var source = await CopySourceAsync(context, sourceBucket, sourceKey, sourceVersion, cancellationToken).ConfigureAwait(false);
        CheckCopyConditions(source, request.CopySourceIfMatch, request.CopySourceIfNoneMatch, request.CopySourceIfUnmodifiedSince, request.CopySourceIfModifiedSince);
        long start = 0, length = source.Size;
        if (request.CopySourceRange is { } range)
        {
            // bytes=first-last, both required, inside the object.
            var spec = range.StartsWith("bytes=", StringComparison.Ordinal) ? range[6..].Split('-') : [];
            if (spec.Length != 2 || !long.TryParse(spec[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !long.TryParse(spec[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last) || last < first)
            {
                throw S3Errors.InvalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
                    "x-amz-copy-source-range", range);
            }
            if (last >= source.Size)
            {
                throw S3Errors.InvalidArgument($"Range specified is not valid for source object of size: {source.Size}", "x-amz-copy-source-range", range);
            }
            start = first;
            length = last - first + 1;
        }
        var algorithm = upload.ChecksumAlgorithm ?? "CRC64NVME";
        var hashing = new HashingStream(new SegmentStream(_blobs, source.Segments, start, length), Checksum.Create(algorithm));
        BlobInfo blob;
        await using (hashing.ConfigureAwait(false))
        {
            blob = await _blobs.WriteAsync(hashing, cancellationToken).ConfigureAwait(false);
        }
        var part = new PartRecord
        {
            PartNumber = request.PartNumber!.Value,
            Blob = blob.Id,
            Size = blob.Length,
            ETag = Quote(Convert.ToHexStringLower(hashing.Md5())),
            LastModified = Now(context),
            ChecksumAlgorithm = upload.ChecksumAlgorithm,
            ChecksumValue = upload.ChecksumAlgorithm is null ? null : hashing.Checksum!.Base64(),
        };
        await StorePartAsync(bucket.Name, upload, part, cancellationToken).ConfigureAwait(false);
        return new UploadPartCopyOutput
        {
            CopyPartResult = new CopyPartResult { ETag = part.ETag, LastModified = part.LastModified },
            CopySourceVersionId = source.VersionId == "null" ? null : source.VersionId,
        };
    }

    private async Task<List<PartRecord>> ReadPartsAsync(string uploadId, CancellationToken ct)
    {
        var parts = new List<PartRecord>();
        await foreach (var (_, value) in _state.ScanAsync(Parts, ScanRange.WithPrefix(uploadId + "/"), ct).ConfigureAwait(false))
        {
            parts.Add(S3Json.Part(value));
        }
        return parts;
    }

    /// <summary>Deletes part records and blobs of an upload, except the blobs now owned by a completed object.</summary>
    private async Task DropPartsAsync(string uploadId, HashSet<string>? keepBlobs, CancellationToken ct)
    {
        var parts = await ReadPartsAsync(uploadId, ct).ConfigureAwait(false);
        if (parts.Count == 0)
        {
            return;
        }
        var batch = new WriteBatch();
        foreach (var part in parts)
        {
            batch.Delete(Parts, PartKey(uploadId, part.PartNumber));
        }
        await _state.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
        foreach (var part in parts)
        {
            if (keepBlobs?.Contains(part.Blob) != true)
            {
                await _blobs.DeleteAsync(part.Blob, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public override async ValueTask<CompleteMultipartUploadOutput> CompleteMultipartUploadAsync(RequestContext context, CompleteMultipartUploadRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var upload = await UploadAsync(bucket.Name, request.Key, request.UploadId, cancellationToken).ConfigureAwait(false);
        var requested = request.MultipartUpload?.Parts;
        if (requested is null || requested.Count == 0)
        {
            throw S3Errors.MalformedXml();
        }
        var stored = (await ReadPartsAsync(upload.UploadId, cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.PartNumber);
        var chosen = new List<PartRecord>(requested.Count);
        var previous = 0;
        foreach (var item in requested)
        {
            var number = item.PartNumber ?? 0;
            if (number <= previous)
            {
                throw S3Errors.InvalidPartOrder(upload.UploadId);
            }
            previous = number;
            if (!stored.TryGetValue(number, out var part) || item.ETag is null || item.ETag.Trim('"') != part.ETag.Trim('"'))
            {
                throw S3Errors.InvalidPart(upload.UploadId, number, item.ETag);
            }
            chosen.Add(part);
        }
        for (var i = 0; i < chosen.Count - 1; i++)
        {
            if (chosen[i].Size < MinPartSize)
            {
                throw S3Errors.EntityTooSmall(chosen[i].Size, chosen[i].PartNumber, chosen[i].ETag);
            }
        }
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        foreach (var part in chosen)
        {
            md5.AppendData(Convert.FromHexString(part.ETag.Trim('"')));
        }
        var etag = Quote(Convert.ToHexStringLower(md5.GetHashAndReset()) + "-" + chosen.Count.ToString(CultureInfo.InvariantCulture));
        string? checksumValue = null;
        if (upload.ChecksumAlgorithm is { } algorithm && chosen.All(p => p.ChecksumValue is not null))
        {
            // COMPOSITE: the checksum of the concatenated part checksums, suffixed with the part count.
            var composite = Checksum.Create(algorithm);
            foreach (var part in chosen)
            {
                composite.Append(Convert.FromBase64String(part.ChecksumValue!));
            }
            checksumValue = composite.Base64() + "-" + chosen.Count.ToString(CultureInfo.InvariantCulture);
        }
        var record = new ObjectRecord
        {
            Key = upload.Key,
            Size = chosen.Sum(p => p.Size),
            ETag = etag,
            LastModified = Now(context),
            Segments = chosen.Select(p => new Segment { Blob = p.Blob, Length = p.Size }).ToList(),
            PartSizes = chosen.Select(p => p.Size).ToList(),
            ContentType = upload.ContentType,
            ContentEncoding = upload.ContentEncoding,
            ContentDisposition = upload.ContentDisposition,
            ContentLanguage = upload.ContentLanguage,
            CacheControl = upload.CacheControl,
            Expires = upload.Expires,
            WebsiteRedirectLocation = upload.WebsiteRedirectLocation,
            Metadata = upload.Metadata,
            StorageClass = upload.StorageClass,
            ChecksumAlgorithm = checksumValue is null ? null : upload.ChecksumAlgorithm,
            ChecksumValue = checksumValue,
            ChecksumType = checksumValue is null ? null : "COMPOSITE",
            Tagging = upload.Tagging,
            Owner = upload.Owner,
        };
        // The object and the end of the upload land together: a retried Complete finds NoSuchUpload, never a half state.
        var uploadKey = UploadKey(bucket.Name, upload.Key, upload.UploadId);
        await CommitVersionAsync(bucket, record, request.IfMatch, request.IfNoneMatch, cancellationToken,
            batch => batch.RequireExists(Uploads, uploadKey).Delete(Uploads, uploadKey),
            async () =>
            {
                if (await _state.GetAsync(Uploads, uploadKey, cancellationToken).ConfigureAwait(false) is null)
                {
                    throw S3Errors.NoSuchUpload(upload.UploadId);
                }
            }).ConfigureAwait(false);
        await DropPartsAsync(upload.UploadId, chosen.Select(p => p.Blob).ToHashSet(StringComparer.Ordinal), CancellationToken.None).ConfigureAwait(false);
        var output = new CompleteMultipartUploadOutput
        {
            Location = context.BaseUrl + "/" + bucket.Name + "/" + Uri.EscapeDataString(upload.Key).Replace("%2F", "/", StringComparison.Ordinal),
            Bucket = bucket.Name,
            Key = upload.Key,
            ETag = etag,
            ChecksumType = record.ChecksumType,
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

    public override async ValueTask<AbortMultipartUploadOutput> AbortMultipartUploadAsync(RequestContext context, AbortMultipartUploadRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var upload = await UploadAsync(bucket.Name, request.Key, request.UploadId, cancellationToken).ConfigureAwait(false);
        var uploadKey = UploadKey(bucket.Name, upload.Key, upload.UploadId);
        if (!await _state.CommitAsync(new WriteBatch().RequireExists(Uploads, uploadKey).Delete(Uploads, uploadKey), cancellationToken).ConfigureAwait(false))
        {
            throw S3Errors.NoSuchUpload(upload.UploadId);
        }
        await DropPartsAsync(upload.UploadId, null, CancellationToken.None).ConfigureAwait(false);
        return new AbortMultipartUploadOutput();
    }

    public override async ValueTask<ListPartsOutput> ListPartsAsync(RequestContext context, ListPartsRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var upload = await UploadAsync(bucket.Name, request.Key, request.UploadId, cancellationToken).ConfigureAwait(false);
        var maxParts = Math.Min(request.MaxParts ?? 1000, 1000);
        if (maxParts < 0)
        {
            throw S3Errors.InvalidArgument("Argument max-parts must be an integer between 0 and 2147483647", "max-parts", request.MaxParts?.ToString(CultureInfo.InvariantCulture));
        }
        var marker = request.PartNumberMarker ?? 0;
        var range = new ScanRange
        {
            Prefix = upload.UploadId + "/",
            FromKey = marker > 0 ? ScanRange.After(PartKey(upload.UploadId, Math.Min(marker, 99999))) : null,
            Limit = maxParts + 1,
        };
        var parts = new List<PartRecord>();
        await foreach (var (_, value) in _state.ScanAsync(Parts, range, cancellationToken).ConfigureAwait(false))
        {
            parts.Add(S3Json.Part(value));
        }
        var truncated = parts.Count > maxParts;
        if (truncated)
        {
            parts.RemoveAt(parts.Count - 1);
        }
        return new ListPartsOutput
        {
            Bucket = bucket.Name,
            Key = upload.Key,
            UploadId = upload.UploadId,
            PartNumberMarker = marker,
            NextPartNumberMarker = parts.Count > 0 ? parts[^1].PartNumber : 0,
            MaxParts = request.MaxParts ?? 1000,
            IsTruncated = truncated,
            StorageClass = upload.StorageClass,
            Initiator = new Initiator { ID = upload.InitiatorArn ?? CanonicalId(upload.Owner) },
            Owner = OwnerOf(upload.Owner),
            ChecksumAlgorithm = upload.ChecksumAlgorithm,
            ChecksumType = upload.ChecksumAlgorithm is null ? null : upload.ChecksumType ?? "COMPOSITE",
            Parts = parts.Count == 0 ? null : parts.Select(p =>
            {
                var entry = new Part { PartNumber = p.PartNumber, ETag = p.ETag, Size = p.Size, LastModified = p.LastModified };
                SetChecksum(p.ChecksumAlgorithm, p.ChecksumValue, (a, v) =>
                {
                    switch (a)
                    {
                        case "CRC32": entry.ChecksumCRC32 = v; break;
                        case "CRC32C": entry.ChecksumCRC32C = v; break;
                        case "CRC64NVME": entry.ChecksumCRC64NVME = v; break;
                        case "SHA1": entry.ChecksumSHA1 = v; break;
                        case "SHA256": entry.ChecksumSHA256 = v; break;
                    }
                });
                return entry;
            }).ToList(),
        };
    }

    public override async ValueTask<ListMultipartUploadsOutput> ListMultipartUploadsAsync(RequestContext context, ListMultipartUploadsRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var encode = Encoder(request.EncodingType);
        var maxUploads = Math.Min(request.MaxUploads ?? 1000, 1000);
        var prefix = request.Prefix ?? "";
        var root = bucket.Name + "/";
        string? from = null;
        if (!string.IsNullOrEmpty(request.KeyMarker))
        {
            from = string.IsNullOrEmpty(request.UploadIdMarker)
                ? PrefixEnd(root + request.KeyMarker + "\0") ?? ScanRange.After(root + request.KeyMarker)
                : ScanRange.After(root + request.KeyMarker + "\0" + request.UploadIdMarker);
        }
        var uploads = new List<MultipartUpload>();
        var prefixes = new List<string>();
        var truncated = false;
        string? nextKey = null, nextUpload = null;
        await foreach (var (_, value) in _state.ScanAsync(Uploads, new ScanRange { Prefix = root + prefix, FromKey = from }, cancellationToken).ConfigureAwait(false))
        {
            var upload = S3Json.Upload(value);
            string? common = null;
            if (!string.IsNullOrEmpty(request.Delimiter))
            {
                var index = upload.Key.IndexOf(request.Delimiter, prefix.Length, StringComparison.Ordinal);
                if (index >= 0)
                {
                    common = upload.Key[..(index + request.Delimiter.Length)];
                }
            }
            if (common is not null && prefixes.Count > 0 && prefixes[^1] == common)
            {
                continue;
            }
            if (uploads.Count + prefixes.Count == maxUploads)
            {
                truncated = true;
                break;
            }
            if (common is not null)
            {
                prefixes.Add(common);
                nextKey = common;
                nextUpload = null;
                continue;
            }
            uploads.Add(new MultipartUpload
            {
                Key = encode(upload.Key),
                UploadId = upload.UploadId,
                Initiated = upload.Initiated,
                StorageClass = upload.StorageClass,
                Owner = OwnerOf(upload.Owner),
                Initiator = new Initiator { ID = upload.InitiatorArn ?? CanonicalId(upload.Owner) },
                ChecksumAlgorithm = upload.ChecksumAlgorithm,
            });
            nextKey = upload.Key;
            nextUpload = upload.UploadId;
        }
        return new ListMultipartUploadsOutput
        {
            Bucket = bucket.Name,
            Prefix = encode(prefix),
            Delimiter = encode(request.Delimiter),
            KeyMarker = encode(request.KeyMarker ?? ""),
            UploadIdMarker = request.UploadIdMarker ?? "",
            NextKeyMarker = truncated ? encode(nextKey) : null,
            NextUploadIdMarker = truncated ? nextUpload : null,
            MaxUploads = request.MaxUploads ?? 1000,
            EncodingType = request.EncodingType,
            IsTruncated = truncated,
            Uploads = uploads.Count > 0 ? uploads : null,
            CommonPrefixes = prefixes.Count > 0 ? prefixes.Select(p => new CommonPrefix { Prefix = encode(p) }).ToList() : null,
        };
    }
}
