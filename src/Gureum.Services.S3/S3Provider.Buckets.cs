using System.Text;
using Gureum.Api.S3;
using Gureum.Core;
using Gureum.Storage;
using ScanRange = Gureum.Storage.ScanRange;

namespace Gureum.Services.S3;

public sealed partial class S3Provider
{
    private static readonly HashSet<string> Regions = new(StringComparer.Ordinal)
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
        "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "EU", "eu-central-1", "eu-central-2", "eu-north-1",
        "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
        "mx-central-1", "sa-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
    };

    /// <summary>General purpose bucket naming rules.</summary>
    internal static bool IsValidBucketName(string name)
    {
        if (name.Length is < 3 or > 63)
        {
            return false;
        }
        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-'))
            {
                return false;
            }
        }
        if (!char.IsAsciiLetterOrDigit(name[0]) || !char.IsAsciiLetterOrDigit(name[^1]))
        {
            return false;
        }
        if (name.Contains("..", StringComparison.Ordinal) || name.Contains(".-", StringComparison.Ordinal) || name.Contains("-.", StringComparison.Ordinal))
        {
            return false;
        }
        if (System.Net.IPAddress.TryParse(name, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && name.Split('.').Length == 4)
        {
            return false;
        }
        foreach (var prefix in (string[])["xn--", "sthree-", "amzn-s3-demo-"])
        {
            if (name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return false;
            }
        }
        foreach (var suffix in (string[])["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"])
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    public override async ValueTask<CreateBucketOutput> CreateBucketAsync(RequestContext context, CreateBucketRequest request, CancellationToken cancellationToken)
    {
        CheckCaller(context);
        var name = request.Bucket ?? "";
        if (!IsValidBucketName(name))
        {
            throw S3Errors.InvalidBucketName(name);
        }
        var constraint = request.CreateBucketConfiguration?.LocationConstraint;
        string region;
        if (string.IsNullOrEmpty(constraint))
        {
            if (context.Region != "us-east-1")
            {
                throw S3Errors.IllegalLocationConstraint(null);
            }
            region = "us-east-1";
        }
        else if (constraint == "us-east-1" || !Regions.Contains(constraint))
        {
            // us-east-1 is never a valid LocationConstraint: it is the absence of one.
            throw S3Errors.InvalidLocationConstraint(constraint);
        }
        else
        {
            region = constraint == "EU" ? "eu-west-1" : constraint;
            if (context.Region != "us-east-1" && context.Region != region)
            {
                throw S3Errors.IllegalLocationConstraint(constraint);
            }
        }
        if (request.ObjectOwnership is { } ownership && ownership is not ("BucketOwnerPreferred" or "ObjectWriter" or "BucketOwnerEnforced"))
        {
            throw S3Errors.InvalidArgument("Invalid x-amz-object-ownership header: " + ownership, "x-amz-object-ownership", ownership);
        }

        var existing = await FindBucketAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var record = new BucketRecord
            {
                Name = name,
                Account = context.AccountId,
                Region = region,
                Created = Now(context),
                ObjectOwnership = request.ObjectOwnership ?? "BucketOwnerEnforced",
            };
            var batch = new WriteBatch()
                .RequireAbsent(Buckets, name)
                .Put(Buckets, name, S3Json.Bytes(record))
                .Put(AccountBuckets, context.AccountId + "/" + name, []);
            if (await _state.CommitAsync(batch, cancellationToken).ConfigureAwait(false))
            {
                return new CreateBucketOutput { Location = "/" + name, BucketArn = null };
            }
            existing = await FindBucketAsync(name, cancellationToken).ConfigureAwait(false);
        }
        if (existing is null || existing.Account != context.AccountId)
        {
            throw S3Errors.BucketAlreadyExists(name);
        }
        if (existing.Region == "us-east-1" && region == "us-east-1")
        {
            return new CreateBucketOutput { Location = "/" + name }; // us-east-1's legacy answer: 200 for a bucket you own
        }
        throw S3Errors.BucketAlreadyOwnedByYou(name);
    }

    public override async ValueTask<HeadBucketOutput> HeadBucketAsync(RequestContext context, HeadBucketRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        return new HeadBucketOutput { BucketRegion = bucket.Region, AccessPointAlias = false };
    }

    public override async ValueTask<GetBucketLocationOutput> GetBucketLocationAsync(RequestContext context, GetBucketLocationRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        return new GetBucketLocationOutput { LocationConstraint = bucket.Region == "us-east-1" ? null : bucket.Region };
    }

    public override async ValueTask<Empty> DeleteBucketAsync(RequestContext context, DeleteBucketRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        await foreach (var _ in _state.ScanAsync(Versions, new ScanRange { Prefix = bucket.Name + "/", Limit = 1 }, cancellationToken).ConfigureAwait(false))
        {
            throw S3Errors.BucketNotEmpty(bucket.Name);
        }
        // Incomplete multipart uploads do not keep a bucket alive on AWS: they go with it.
        var uploads = new List<UploadRecord>();
        await foreach (var (key, value) in _state.ScanAsync(Uploads, ScanRange.WithPrefix(bucket.Name + "/"), cancellationToken).ConfigureAwait(false))
        {
            uploads.Add(S3Json.Upload(value));
        }
        var batch = new WriteBatch()
            .RequireExists(Buckets, bucket.Name)
            .Delete(Buckets, bucket.Name)
            .Delete(AccountBuckets, bucket.Account + "/" + bucket.Name);
        foreach (var upload in uploads)
        {
            batch.Delete(Uploads, ObjectKey(bucket.Name, upload.Key) + "\0" + upload.UploadId);
        }
        await _state.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
        foreach (var upload in uploads)
        {
            await DropPartsAsync(upload.UploadId, null, cancellationToken).ConfigureAwait(false);
        }
        return Empty.Instance;
    }

    public override async ValueTask<ListBucketsOutput> ListBucketsAsync(RequestContext context, ListBucketsRequest request, CancellationToken cancellationToken)
    {
        CheckCaller(context);
        var max = request.MaxBuckets ?? 10000;
        if (max is < 1 or > 10000)
        {
            throw S3Errors.InvalidArgument("Argument max-buckets must be an integer between 1 and 10000", "max-buckets", max.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var prefix = context.AccountId + "/";
        string? after = null;
        if (!string.IsNullOrEmpty(request.ContinuationToken))
        {
            after = DecodeToken(request.ContinuationToken, "continuation-token");
        }
        var range = new ScanRange
        {
            Prefix = prefix + (request.Prefix ?? ""),
            FromKey = after is null ? null : ScanRange.After(prefix + after),
        };
        var buckets = new List<Bucket>();
        string? next = null;
        await foreach (var (key, _) in _state.ScanAsync(AccountBuckets, range, cancellationToken).ConfigureAwait(false))
        {
            var name = key[prefix.Length..];
            var record = await FindBucketAsync(name, cancellationToken).ConfigureAwait(false);
            if (record is null || (request.BucketRegion is { } wanted && record.Region != wanted))
            {
                continue;
            }
            if (buckets.Count == max)
            {
                next = EncodeToken(buckets[^1].Name!);
                break;
            }
            buckets.Add(new Bucket { Name = name, CreationDate = record.Created, BucketRegion = record.Region, BucketArn = null });
        }
        return new ListBucketsOutput
        {
            Buckets = buckets,
            Owner = OwnerOf(context.AccountId),
            ContinuationToken = next,
            Prefix = request.Prefix,
        };
    }

    internal static string EncodeToken(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes("gureum:" + key));

    internal static string DecodeToken(string token, string argument)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith("gureum:", StringComparison.Ordinal))
            {
                return text["gureum:".Length..];
            }
        }
        catch (FormatException)
        {
        }
        throw S3Errors.InvalidArgument("The continuation token provided is incorrect", argument, token);
    }
}
