using Gureum.Api.S3;
using Gureum.Core;

namespace Gureum.Services.S3;

/// <summary>Bucket policies: stored on the bucket record, applied by <see cref="BucketAsync"/>.</summary>
public sealed partial class S3Provider
{
    /// <summary>The IAM action an S3 operation is authorized as.</summary>
    internal static string PolicyAction(string operation) => operation switch
    {
        "HeadObject" => "s3:GetObject",
        "HeadBucket" or "ListObjects" or "ListObjectsV2" => "s3:ListBucket",
        "ListObjectVersions" => "s3:ListBucketVersions",
        "ListMultipartUploads" => "s3:ListBucketMultipartUploads",
        "ListParts" => "s3:ListMultipartUploadParts",
        "CreateMultipartUpload" or "UploadPart" or "CompleteMultipartUpload" or "CopyObject" or "UploadPartCopy" => "s3:PutObject",
        "DeleteObjects" => "s3:DeleteObject",
        "DeleteBucketPolicy" => "s3:DeleteBucketPolicy",
        "GetBucketPolicyStatus" => "s3:GetBucketPolicyStatus",
        _ => "s3:" + operation,
    };

    public override async ValueTask<Empty> PutBucketPolicyAsync(RequestContext context, PutBucketPolicyRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        if (BucketPolicy.Validate(request.Policy, bucket.Name) is { } problem)
        {
            throw new AwsServiceException("MalformedPolicy", problem, 400);
        }
        await UpdateBucketAsync(bucket.Name, b => b.Policy = request.Policy, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<GetBucketPolicyOutput> GetBucketPolicyAsync(RequestContext context, GetBucketPolicyRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        return new GetBucketPolicyOutput { Policy = bucket.Policy ?? throw NoSuchBucketPolicy(bucket.Name) };
    }

    public override async ValueTask<Empty> DeleteBucketPolicyAsync(RequestContext context, DeleteBucketPolicyRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        if (bucket.Policy is not null)
        {
            await UpdateBucketAsync(bucket.Name, b => b.Policy = null, cancellationToken).ConfigureAwait(false);
        }
        return Empty.Instance; // AWS answers 204 whether or not a policy existed
    }

    public override async ValueTask<GetBucketPolicyStatusOutput> GetBucketPolicyStatusAsync(RequestContext context, GetBucketPolicyStatusRequest request, CancellationToken cancellationToken)
    {
        var bucket = await BucketAsync(context, request.Bucket, cancellationToken).ConfigureAwait(false);
        var policy = bucket.Policy ?? throw NoSuchBucketPolicy(bucket.Name);
        return new GetBucketPolicyStatusOutput { PolicyStatus = new PolicyStatus { IsPublic = BucketPolicy.IsPublic(policy) } };
    }

    private static AwsServiceException NoSuchBucketPolicy(string bucket) =>
        new AwsServiceException("NoSuchBucketPolicy", "The bucket policy does not exist", 404).With("BucketName", bucket);
}
