using System.Globalization;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;
using ScanRange = Gureum.Storage.ScanRange;

namespace Gureum.Services.S3;

/// <summary>
/// Versioning. Every version of every object (also the single "null" version of an unversioned bucket, and delete
/// markers) lives in <c>s3/versions</c> under bucket + "/" + key + "\0" + 19-digit inverted sequence, so one ordered
/// scan yields keys in order and, per key, versions newest first (ListObjectVersions). <c>s3/objects</c> keeps a copy of
/// the latest version when it is not a delete marker, so GET and ListObjects stay one lookup / one scan.
/// </summary>
public sealed partial class S3Provider
{
    internal const string Versions = "s3/versions";
    private const int SeqDigits = 19;

    internal sealed record StoredVersion(string StoreKey, byte[] Raw, ObjectRecord Record, long Seq);

    internal static string VersionPrefix(string bucket, string key) => bucket + "/" + key + "\0";

    internal static string VersionKey(string bucket, string key, long seq) =>
        VersionPrefix(bucket, key) + (long.MaxValue - seq).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The versions of one key, newest first.</summary>
    private async Task<List<StoredVersion>> VersionsOfAsync(string bucket, string key, CancellationToken ct)
    {
        var prefix = VersionPrefix(bucket, key);
        var list = new List<StoredVersion>();
        await foreach (var (storeKey, value) in _state.ScanAsync(Versions, ScanRange.WithPrefix(prefix), ct).ConfigureAwait(false))
        {
            if (storeKey.Length != prefix.Length + SeqDigits)
            {
                continue; // a longer key that merely starts with this key and a NUL
            }
            list.Add(new StoredVersion(storeKey, value, S3Json.Object(value), SeqOf(storeKey)));
        }
        return list;
    }

    private static long SeqOf(string storeKey) =>
        long.MaxValue - long.Parse(storeKey.AsSpan(storeKey.Length - SeqDigits), NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>A new version id: opaque, URL-safe, 32 characters.</summary>
    internal static string NewVersionId() => NewId(24);

    /// <summary>
    /// Adds <paramref name="record"/> as the newest version of its key (a delete marker when <c>DeleteMarker</c> is set),
    /// giving it a version id per the bucket's versioning state: a fresh id when Enabled, "null" otherwise (replacing
    /// the previous null version, whose blobs are then deleted). Conditional-write headers are checked against the
    /// current object. <paramref name="extra"/> adds operations to the same atomic batch; <paramref name="onConflict"/>
    /// runs after a failed commit (to throw when the conflict is not retryable).
    /// </summary>
    private async Task CommitVersionAsync(BucketRecord bucket, ObjectRecord record, string? ifMatch, string? ifNoneMatch, CancellationToken ct,
        Action<WriteBatch>? extra = null, Func<Task>? onConflict = null)
    {
        var objectKey = ObjectKey(bucket.Name, record.Key);
        var enabled = bucket.Versioning == "Enabled";
        while (true)
        {
            var (current, raw) = await FindObjectAsync(bucket.Name, record.Key, ct).ConfigureAwait(false);
            if (ifNoneMatch is not null && current is not null && EtagMatches(ifNoneMatch, current.ETag))
            {
                throw S3Errors.PreconditionFailed("If-None-Match");
            }
            if (ifMatch is not null)
            {
                if (current is null)
                {
                    throw S3Errors.NoSuchKey(record.Key);
                }
                if (!EtagMatches(ifMatch, current.ETag))
                {
                    throw S3Errors.PreconditionFailed("If-Match");
                }
            }
            var versions = await VersionsOfAsync(bucket.Name, record.Key, ct).ConfigureAwait(false);
            var seq = Math.Max(record.LastModified.UtcTicks, versions.Count > 0 ? versions[0].Seq + 1 : 1);
            var newKey = VersionKey(bucket.Name, record.Key, seq);
            record.VersionId = enabled ? NewVersionId() : "null";
            StoredVersion? replaced = enabled ? null : versions.FirstOrDefault(v => v.Record.VersionId == "null");
            var batch = new WriteBatch().RequireExists(Buckets, bucket.Name).RequireAbsent(Versions, newKey);
            if (raw is null)
            {
                batch.RequireAbsent(Objects, objectKey);
            }
            else
            {
                batch.RequireValue(Objects, objectKey, raw);
            }
            if (replaced is not null)
            {
                batch.RequireValue(Versions, replaced.StoreKey, replaced.Raw).Delete(Versions, replaced.StoreKey);
            }
            var bytes = S3Json.Bytes(record);
            batch.Put(Versions, newKey, bytes);
            if (record.DeleteMarker)
            {
                if (raw is not null)
                {
                    batch.Delete(Objects, objectKey);
                }
            }
            else
            {
                batch.Put(Objects, objectKey, bytes);
            }
            extra?.Invoke(batch);
            if (await _state.CommitAsync(batch, ct).ConfigureAwait(false))
            {
                if (replaced is not null)
                {
                    await DeleteBlobsAsync(replaced.Record.Segments).ConfigureAwait(false);
                }
                else if (current is not null && !enabled && versions.Count == 0)
                {
                    await DeleteBlobsAsync(current.Segments).ConfigureAwait(false); // an object stored before versions were kept
                }
                return;
            }
            if (onConflict is not null)
            {
                await onConflict().ConfigureAwait(false);
            }
            if (await FindBucketAsync(bucket.Name, ct).ConfigureAwait(false) is null)
            {
                throw S3Errors.NoSuchBucket(bucket.Name);
            }
        }
    }

    /// <summary>Permanently removes one version; the next newest becomes current. Null when there is no such version.</summary>
    private async Task<ObjectRecord?> DeleteVersionAsync(string bucket, string key, string versionId, CancellationToken ct)
    {
        var objectKey = ObjectKey(bucket, key);
        while (true)
        {
            var versions = await VersionsOfAsync(bucket, key, ct).ConfigureAwait(false);
            var index = versions.FindIndex(v => v.Record.VersionId == versionId);
            if (index < 0)
            {
                return null;
            }
            var target = versions[index];
            var (_, raw) = await FindObjectAsync(bucket, key, ct).ConfigureAwait(false);
            var batch = new WriteBatch().RequireValue(Versions, target.StoreKey, target.Raw).Delete(Versions, target.StoreKey);
            if (raw is null)
            {
                batch.RequireAbsent(Objects, objectKey);
            }
            else
            {
                batch.RequireValue(Objects, objectKey, raw);
            }
            if (index == 0)
            {
                if (versions.Count > 1 && !versions[1].Record.DeleteMarker)
                {
                    batch.RequireValue(Versions, versions[1].StoreKey, versions[1].Raw).Put(Objects, objectKey, versions[1].Raw);
                }
                else if (raw is not null)
                {
                    batch.Delete(Objects, objectKey);
                }
            }
            if (await _state.CommitAsync(batch, ct).ConfigureAwait(false))
            {
                await DeleteBlobsAsync(target.Record.Segments).ConfigureAwait(false);
                return target.Record;
            }
        }
    }

    /// <summary>
    /// The version a GET/HEAD/copy addresses: the current object, or the named version. A delete marker answers 404
    /// (current) or 405 (by version id) with x-amz-delete-marker, as S3.
    /// </summary>
    private async ValueTask<ObjectRecord> ResolveVersionAsync(BucketRecord bucket, string key, string? versionId, string method, CancellationToken ct)
    {
        if (versionId is null)
        {
            var (record, _) = await FindObjectAsync(bucket.Name, key, ct).ConfigureAwait(false);
            if (record is not null)
            {
                return record;
            }
            var error = S3Errors.NoSuchKey(key);
            if (bucket.Versioning is not null)
            {
                var versions = await VersionsOfAsync(bucket.Name, key, ct).ConfigureAwait(false);
                if (versions.Count > 0 && versions[0].Record.DeleteMarker)
                {
                    error.Headers = new(StringComparer.OrdinalIgnoreCase)
                    {
                        ["x-amz-delete-marker"] = "true",
                        ["x-amz-version-id"] = versions[0].Record.VersionId,
                    };
                }
            }
            throw error;
        }
        if (versionId.Length == 0)
        {
            throw S3Errors.InvalidArgument("Version id cannot be the empty string", "versionId", versionId);
        }
        var all = await VersionsOfAsync(bucket.Name, key, ct).ConfigureAwait(false);
        var found = all.Find(v => v.Record.VersionId == versionId)?.Record;
        if (found is null)
        {
            if (versionId != "null" && !IsVersionIdShape(versionId))
            {
                throw S3Errors.InvalidArgument("Invalid version id specified", "versionId", versionId);
            }
            throw new AwsServiceException("NoSuchVersion", "The specified version does not exist.", 404)
                .With("Key", key).With("VersionId", versionId);
        }
        if (found.DeleteMarker)
        {
            var error = S3Errors.MethodNotAllowed(method, "DeleteMarker");
            error.Headers = new(StringComparer.OrdinalIgnoreCase)
            {
                ["x-amz-delete-marker"] = "true",
                ["x-amz-version-id"] = found.VersionId,
                ["Last-Modified"] = Http(found.LastModified),
                ["Allow"] = "DELETE",
            };
            throw error;
        }
        return found;
    }

    private static bool IsVersionIdShape(string id)
    {
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+' or '/' or '='))
            {
                return false;
            }
        }
        return id.Length is > 0 and <= 1024;
    }

    /// <summary>The x-amz-version-id a response carries: none for a bucket that never had versioning.</summary>
    private static string? WireVersion(BucketRecord bucket, ObjectRecord record) =>
        bucket.Versioning is null && record.VersionId == "null" ? null : record.VersionId;

    public override async ValueTask<Empty> PutBucketVersioningAsync(RequestContext context, PutBucketVersioningRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var config = request.VersioningConfiguration ?? throw S3Errors.MalformedXml();
        if (config.Status is not (null or "Enabled" or "Suspended") || config.MFADelete is not (null or "Enabled" or "Disabled"))
        {
            throw S3Errors.MalformedXml();
        }
        if (config.MFADelete is not null && config.MFADelete != (bucket.MfaDelete ?? "Disabled") && string.IsNullOrEmpty(request.MFA))
        {
            throw S3Errors.InvalidRequest("The x-amz-mfa header is required when changing MFA Delete");
        }
        while (true)
        {
            var raw = await _state.GetAsync(Buckets, bucket.Name, cancellationToken).ConfigureAwait(false) ?? throw S3Errors.NoSuchBucket(bucket.Name);
            var record = S3Json.Bucket(raw);
            if (config.Status is not null)
            {
                record.Versioning = config.Status;
            }
            if (config.MFADelete is not null)
            {
                record.MfaDelete = config.MFADelete;
            }
            var batch = new WriteBatch().RequireValue(Buckets, bucket.Name, raw).Put(Buckets, bucket.Name, S3Json.Bytes(record));
            if (await _state.CommitAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                return Empty.Instance;
            }
        }
    }

    public override async ValueTask<GetBucketVersioningOutput> GetBucketVersioningAsync(RequestContext context, GetBucketVersioningRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        return new GetBucketVersioningOutput { Status = bucket.Versioning, MFADelete = bucket.Versioning is null ? null : bucket.MfaDelete };
    }

    public override async ValueTask<ListObjectVersionsOutput> ListObjectVersionsAsync(RequestContext context, ListObjectVersionsRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var encode = Encoder(request.EncodingType);
        var maxKeys = MaxKeys(request.MaxKeys);
        var prefix = request.Prefix ?? "";
        var delimiter = string.IsNullOrEmpty(request.Delimiter) ? null : request.Delimiter;
        var keyMarker = string.IsNullOrEmpty(request.KeyMarker) ? null : request.KeyMarker;
        var versionMarker = string.IsNullOrEmpty(request.VersionIdMarker) ? null : request.VersionIdMarker;
        if (versionMarker is not null && keyMarker is null)
        {
            throw S3Errors.InvalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", versionMarker);
        }
        var root = bucket.Name + "/";
        string? from = null;
        if (keyMarker is not null)
        {
            if (versionMarker is null)
            {
                from = PrefixEnd(VersionPrefix(bucket.Name, keyMarker)); // past every version of the marker key
                if (delimiter is not null && keyMarker.StartsWith(prefix, StringComparison.Ordinal)
                    && keyMarker.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) == keyMarker.Length - delimiter.Length)
                {
                    from = PrefixEnd(root + keyMarker) ?? from; // the marker was a common prefix: skip it whole
                }
            }
            else
            {
                var marked = (await VersionsOfAsync(bucket.Name, keyMarker, cancellationToken).ConfigureAwait(false))
                    .Find(v => v.Record.VersionId == versionMarker);
                if (marked is null)
                {
                    if (versionMarker != "null" && !IsVersionIdShape(versionMarker))
                    {
                        throw S3Errors.InvalidArgument("Invalid version id specified", "version-id-marker", versionMarker);
                    }
                    from = PrefixEnd(VersionPrefix(bucket.Name, keyMarker));
                }
                else
                {
                    from = ScanRange.After(marked.StoreKey);
                }
            }
        }
        var versions = new List<ObjectVersion>();
        var markers = new List<DeleteMarkerEntry>();
        var prefixes = new List<string>();
        string? lastKey = null;
        string? lastVersion = null;
        var truncated = false;
        string? previousKey = null;
        if (from is not null && keyMarker is not null && versionMarker is not null)
        {
            previousKey = keyMarker; // continuing inside a key: its next version is not the latest
        }
        var count = 0;
        if (maxKeys > 0)
        {
            var done = false;
            while (!done)
            {
                string? jump = null;
                var any = false;
                await foreach (var (storeKey, value) in _state.ScanAsync(Versions, new ScanRange { Prefix = root + prefix, FromKey = from }, cancellationToken).ConfigureAwait(false))
                {
                    any = true;
                    if (storeKey.Length < root.Length + 1 + SeqDigits || storeKey[storeKey.Length - SeqDigits - 1] != '\0')
                    {
                        continue;
                    }
                    var key = storeKey[root.Length..(storeKey.Length - SeqDigits - 1)];
                    if (delimiter is not null)
                    {
                        var index = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                        if (index >= 0)
                        {
                            if (count == maxKeys)
                            {
                                truncated = true;
                                done = true;
                                break;
                            }
                            var common = key[..(index + delimiter.Length)];
                            prefixes.Add(common);
                            count++;
                            lastKey = common;
                            lastVersion = null;
                            jump = PrefixEnd(root + common);
                            previousKey = null;
                            if (jump is not null)
                            {
                                break;
                            }
                            continue;
                        }
                    }
                    if (count == maxKeys)
                    {
                        truncated = true;
                        done = true;
                        break;
                    }
                    var record = S3Json.Object(value);
                    var latest = previousKey != key;
                    previousKey = key;
                    if (record.DeleteMarker)
                    {
                        markers.Add(new DeleteMarkerEntry
                        {
                            Key = encode(key), VersionId = record.VersionId, IsLatest = latest, LastModified = record.LastModified, Owner = OwnerOf(record.Owner),
                        });
                    }
                    else
                    {
                        versions.Add(new ObjectVersion
                        {
                            Key = encode(key), VersionId = record.VersionId, IsLatest = latest, LastModified = record.LastModified, ETag = record.ETag,
                            Size = record.Size, StorageClass = record.StorageClass, Owner = OwnerOf(record.Owner),
                            ChecksumAlgorithm = record.ChecksumAlgorithm is null ? null : [record.ChecksumAlgorithm], ChecksumType = record.ChecksumType,
                        });
                    }
                    count++;
                    lastKey = key;
                    lastVersion = record.VersionId;
                }
                if (done || jump is null || !any)
                {
                    break;
                }
                from = jump;
            }
        }
        return new ListObjectVersionsOutput
        {
            Name = bucket.Name,
            Prefix = encode(prefix),
            Delimiter = encode(delimiter),
            KeyMarker = encode(request.KeyMarker ?? ""),
            VersionIdMarker = request.VersionIdMarker ?? "",
            MaxKeys = request.MaxKeys ?? 1000,
            EncodingType = request.EncodingType,
            IsTruncated = truncated,
            NextKeyMarker = truncated ? encode(lastKey) : null,
            NextVersionIdMarker = truncated && lastVersion is not null ? lastVersion : null,
            Versions = versions.Count > 0 ? versions : null,
            DeleteMarkers = markers.Count > 0 ? markers : null,
            CommonPrefixes = prefixes.Count > 0 ? prefixes.Select(p => new CommonPrefix { Prefix = encode(p) }).ToList() : null,
        };
    }
}
