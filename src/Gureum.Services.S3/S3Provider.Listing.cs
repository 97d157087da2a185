using System.Globalization;
using System.Text;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;
using ScanRange = Gureum.Storage.ScanRange;
using S3Object = Gureum.Api.S3.Object;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    private sealed record ListPage(List<ObjectRecord> Contents, List<string> CommonPrefixes, bool IsTruncated, string? LastItem);

    /// <summary>
    /// One page of keys after <paramref name="after"/> under <paramref name="prefix"/>, rolling keys up to
    /// <paramref name="delimiter"/> into common prefixes. Ordered range scans only: after a common prefix the scan
    /// jumps past every key under it, so the cost is the page, not the bucket.
    /// </summary>
    private async Task<ListPage> ListPageAsync(string bucket, string prefix, string? delimiter, string? after, int maxKeys, CancellationToken ct)
    {
        var contents = new List<ObjectRecord>();
        var prefixes = new List<string>();
        var root = bucket + "/";
        var from = after is null ? null : ScanRange.After(root + after);
        if (after is not null && !string.IsNullOrEmpty(delimiter) && after.StartsWith(prefix, StringComparison.Ordinal)
            && after.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal) == after.Length - delimiter.Length
            && PrefixEnd(root + after) is { } past)
        {
            from = past; // continuing after a common prefix: skip every key rolled up into it
        }
        if (maxKeys == 0)
        {
            return new ListPage(contents, prefixes, false, null);
        }
        string? last = null;
        while (true)
        {
            var range = new ScanRange { Prefix = root + prefix, FromKey = from };
            string? jump = null;
            var any = false;
            await foreach (var (fullKey, value) in _state.ScanAsync(Objects, range, ct).ConfigureAwait(false))
            {
                any = true;
                var key = fullKey[root.Length..];
                string? common = null;
                if (!string.IsNullOrEmpty(delimiter))
                {
                    var index = key.IndexOf(delimiter, prefix.Length, StringComparison.Ordinal);
                    if (index >= 0)
                    {
                        common = key[..(index + delimiter.Length)];
                    }
                }
                if (contents.Count + prefixes.Count == maxKeys)
                {
                    return new ListPage(contents, prefixes, true, last);
                }
                if (common is not null)
                {
                    prefixes.Add(common);
                    last = common;
                    jump = PrefixEnd(root + common);
                    if (jump is not null)
                    {
                        break;
                    }
                    continue;
                }
                contents.Add(S3Json.Object(value));
                last = key;
            }
            if (jump is null || !any)
            {
                return new ListPage(contents, prefixes, false, last);
            }
            from = jump;
        }
    }

    /// <summary>The smallest string above every string starting with <paramref name="prefix"/>, or null when not simply computable.</summary>
    private static string? PrefixEnd(string prefix)
    {
        var last = prefix[^1];
        if (char.IsSurrogate(last) || last == '\uffff')
        {
            return null;
        }
        return prefix[..^1] + (char)(last + 1);
    }

    /// <summary>encoding-type=url: S3 percent-encodes keys like a form (space as '+'; clients decode with unquote_plus), keeping '/' and unreserved characters.</summary>
    internal static string UrlEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '/')
            {
                sb.Append(c);
            }
            else if (c == ' ')
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static Func<string?, string?> Encoder(string? encodingType)
    {
        if (encodingType is null)
        {
            return s => s;
        }
        if (encodingType != "url")
        {
            throw S3Errors.InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType);
        }
        return s => s is null ? null : UrlEncode(s);
    }

    private static int MaxKeys(int? requested)
    {
        if (requested is < 0)
        {
            throw S3Errors.InvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", requested.Value.ToString(CultureInfo.InvariantCulture));
        }
        return Math.Min(requested ?? 1000, 1000);
    }

    private static S3Object ToEntry(ObjectRecord record, bool withOwner, Func<string?, string?> encode) => new()
    {
        Key = encode(record.Key),
        LastModified = record.LastModified,
        ETag = record.ETag,
        Size = record.Size,
        StorageClass = record.StorageClass,
        Owner = withOwner ? OwnerOf(record.Owner) : null,
        ChecksumAlgorithm = record.ChecksumAlgorithm is null ? null : [record.ChecksumAlgorithm],
        ChecksumType = record.ChecksumType,
    };

    public override async ValueTask<ListObjectsV2Output> ListObjectsV2Async(RequestContext context, ListObjectsV2Request request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var encode = Encoder(request.EncodingType);
        var maxKeys = MaxKeys(request.MaxKeys);
        var prefix = request.Prefix ?? "";
        string? after = request.StartAfter;
        if (!string.IsNullOrEmpty(request.ContinuationToken))
        {
            after = DecodeToken(request.ContinuationToken, "continuation-token");
        }
        var page = await ListPageAsync(bucket.Name, prefix, request.Delimiter, string.IsNullOrEmpty(after) ? null : after, maxKeys, cancellationToken).ConfigureAwait(false);
        return new ListObjectsV2Output
        {
            Name = bucket.Name,
            Prefix = encode(prefix),
            Delimiter = encode(request.Delimiter),
            MaxKeys = request.MaxKeys ?? 1000,
            EncodingType = request.EncodingType,
            KeyCount = page.Contents.Count + page.CommonPrefixes.Count,
            IsTruncated = page.IsTruncated,
            ContinuationToken = request.ContinuationToken,
            NextContinuationToken = page.IsTruncated && page.LastItem is not null ? EncodeToken(page.LastItem) : null,
            StartAfter = encode(request.StartAfter),
            Contents = page.Contents.Count > 0 ? page.Contents.Select(r => ToEntry(r, request.FetchOwner == true, encode)).ToList() : null,
            CommonPrefixes = page.CommonPrefixes.Count > 0 ? page.CommonPrefixes.Select(p => new CommonPrefix { Prefix = encode(p) }).ToList() : null,
        };
    }

    public override async ValueTask<ListObjectsOutput> ListObjectsAsync(RequestContext context, ListObjectsRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var encode = Encoder(request.EncodingType);
        var maxKeys = MaxKeys(request.MaxKeys);
        var prefix = request.Prefix ?? "";
        var page = await ListPageAsync(bucket.Name, prefix, request.Delimiter, string.IsNullOrEmpty(request.Marker) ? null : request.Marker, maxKeys, cancellationToken).ConfigureAwait(false);
        return new ListObjectsOutput
        {
            Name = bucket.Name,
            Prefix = encode(prefix),
            Delimiter = encode(request.Delimiter),
            Marker = encode(request.Marker ?? ""),
            MaxKeys = request.MaxKeys ?? 1000,
            EncodingType = request.EncodingType,
            IsTruncated = page.IsTruncated,
            // S3 returns NextMarker only when a delimiter was given; clients otherwise use the last key.
            NextMarker = page.IsTruncated && !string.IsNullOrEmpty(request.Delimiter) ? encode(page.LastItem) : null,
            Contents = page.Contents.Count > 0 ? page.Contents.Select(r => ToEntry(r, true, encode)).ToList() : null,
            CommonPrefixes = page.CommonPrefixes.Count > 0 ? page.CommonPrefixes.Select(p => new CommonPrefix { Prefix = encode(p) }).ToList() : null,
        };
    }
}
