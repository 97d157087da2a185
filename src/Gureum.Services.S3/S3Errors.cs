using Gureum.Api.S3;
using Gureum.Core;

namespace Gureum.Services.S3;

/// <summary>S3's errors with AWS's exact codes, messages, statuses and extra elements.</summary>
internal static class S3Errors
{
    public static AwsServiceException NoSuchBucket(string bucket) =>
        new NoSuchBucketException("The specified bucket does not exist").With("BucketName", bucket);

    public static AwsServiceException NoSuchKey(string key) =>
        new NoSuchKeyException("The specified key does not exist.").With("Key", key);

    public static AwsServiceException NoSuchUpload(string uploadId) =>
        new NoSuchUploadException("The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
            .With("UploadId", uploadId);

    public static AwsServiceException InvalidBucketName(string bucket) =>
        new AwsServiceException("InvalidBucketName", "The specified bucket is not valid.", 400).With("BucketName", bucket);

    public static AwsServiceException BucketAlreadyExists(string bucket) =>
        new BucketAlreadyExistsException("The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
            .With("BucketName", bucket);

    public static AwsServiceException BucketAlreadyOwnedByYou(string bucket) =>
        new BucketAlreadyOwnedByYouException("Your previous request to create the named bucket succeeded and you already own it.")
            .With("BucketName", bucket);

    public static AwsServiceException BucketNotEmpty(string bucket) =>
        new AwsServiceException("BucketNotEmpty", "The bucket you tried to delete is not empty", 409).With("BucketName", bucket);

    public static AwsServiceException InvalidLocationConstraint(string? constraint) =>
        new AwsServiceException("InvalidLocationConstraint", "The specified location-constraint is not valid", 400)
            .With("LocationConstraint", constraint);

    public static AwsServiceException IllegalLocationConstraint(string? constraint) =>
        new("IllegalLocationConstraintException",
            $"The {(string.IsNullOrEmpty(constraint) ? "unspecified" : constraint)} location constraint is incompatible for the region specific endpoint this request was sent to.", 400);

    public static AwsServiceException AccessDenied() => new AccessDeniedException("Access Denied");

    public static AwsServiceException InvalidArgument(string message, string name, string? value) =>
        new AwsServiceException("InvalidArgument", message, 400).With("ArgumentName", name).With("ArgumentValue", value);

    public static AwsServiceException InvalidRequest(string message) => new InvalidRequestException(message);

    public static AwsServiceException PreconditionFailed(string condition) =>
        new AwsServiceException("PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412)
            .With("Condition", condition);

    public static AwsServiceException NotModified(string etag, DateTimeOffset lastModified) =>
        new("NotModified", "Not Modified", 304)
        {
            Headers = new(StringComparer.OrdinalIgnoreCase)
            {
                ["ETag"] = etag,
                ["Last-Modified"] = lastModified.ToString("r", System.Globalization.CultureInfo.InvariantCulture),
            },
        };

    public static AwsServiceException InvalidRange(string range, long size) =>
        new AwsServiceException("InvalidRange", "The requested range is not satisfiable", 416)
            .With("RangeRequested", range).With("ActualObjectSize", size);

    public static AwsServiceException BadDigestMd5(string expected, string calculated) =>
        new AwsServiceException("BadDigest", "The Content-MD5 you specified did not match what we received.", 400)
            .With("ExpectedDigest", expected).With("CalculatedDigest", calculated);

    public static AwsServiceException InvalidDigest(string value) =>
        new AwsServiceException("InvalidDigest", "The Content-MD5 you specified was invalid.", 400).With("Content-MD5", value);

    public static AwsServiceException BadChecksum(string algorithm) =>
        new("BadDigest", $"The {algorithm} you specified did not match the calculated checksum.", 400);

    public static AwsServiceException InvalidChecksumValue(string algorithm) =>
        new InvalidRequestException($"Value for x-amz-checksum-{algorithm.ToLowerInvariant()} header is invalid.");

    public static AwsServiceException MetadataTooLarge(int size) =>
        new AwsServiceException("MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.", 400)
            .With("Size", size).With("MaxSizeAllowed", 2048);

    public static AwsServiceException KeyTooLong(int size) =>
        new AwsServiceException("KeyTooLongError", "Your key is too long", 400).With("Size", size).With("MaxSizeAllowed", 1024);

    public static AwsServiceException MalformedXml() =>
        new("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema", 400);

    public static AwsServiceException InvalidPart(string uploadId, int partNumber, string? etag) =>
        new AwsServiceException("InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", 400)
            .With("UploadId", uploadId).With("PartNumber", partNumber).With("ETag", etag);

    public static AwsServiceException InvalidPartOrder(string uploadId) =>
        new AwsServiceException("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be ordered by part number.", 400)
            .With("UploadId", uploadId);

    public static AwsServiceException EntityTooSmall(long size, int partNumber, string etag) =>
        new AwsServiceException("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size", 400)
            .With("ProposedSize", size).With("MinSizeAllowed", S3Provider.MinPartSize).With("PartNumber", partNumber).With("ETag", etag.Trim('"'));

    public static AwsServiceException MethodNotAllowed(string method, string resourceType) =>
        new AwsServiceException("MethodNotAllowed", "The specified method is not allowed against this resource.", 405)
            .With("Method", method).With("ResourceType", resourceType);

    public static AwsServiceException InvalidCopySource() =>
        new AwsServiceException("InvalidArgument", "Invalid copy source object key", 400)
            .With("ArgumentName", "x-amz-copy-source");
}
