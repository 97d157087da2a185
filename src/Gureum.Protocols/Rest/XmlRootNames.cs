using Gureum.Protocols.Model;

namespace Gureum.Protocols.Rest;

/// <summary>
/// Root element names of rest-xml output documents. The Smithy models give them as
/// <c>@xmlName</c> on the output structure, but the botocore (C2J) models we vendor drop that
/// trait; these are those facts, so responses carry the element names AWS sends.
/// </summary>
public static class XmlRootNames
{
    private static readonly Dictionary<string, string> S3 = new(StringComparer.Ordinal)
    {
        ["ListObjectsOutput"] = "ListBucketResult",
        ["ListObjectsV2Output"] = "ListBucketResult",
        ["ListBucketsOutput"] = "ListAllMyBucketsResult",
        ["ListDirectoryBucketsOutput"] = "ListAllMyDirectoryBucketsResult",
        ["ListObjectVersionsOutput"] = "ListVersionsResult",
        ["ListMultipartUploadsOutput"] = "ListMultipartUploadsResult",
        ["ListPartsOutput"] = "ListPartsResult",
        ["CreateMultipartUploadOutput"] = "InitiateMultipartUploadResult",
        ["CompleteMultipartUploadOutput"] = "CompleteMultipartUploadResult",
        ["DeleteObjectsOutput"] = "DeleteResult",
        ["GetBucketTaggingOutput"] = "Tagging",
        ["GetObjectTaggingOutput"] = "Tagging",
        ["GetBucketAclOutput"] = "AccessControlPolicy",
        ["GetObjectAclOutput"] = "AccessControlPolicy",
        ["GetBucketVersioningOutput"] = "VersioningConfiguration",
        ["GetBucketCorsOutput"] = "CORSConfiguration",
        ["GetBucketLifecycleConfigurationOutput"] = "LifecycleConfiguration",
        ["GetBucketWebsiteOutput"] = "WebsiteConfiguration",
        ["GetBucketLoggingOutput"] = "BucketLoggingStatus",
        ["GetBucketRequestPaymentOutput"] = "RequestPaymentConfiguration",
        ["GetBucketAccelerateConfigurationOutput"] = "AccelerateConfiguration",
        ["GetObjectAttributesOutput"] = "GetObjectAttributesResponse",
        ["ListBucketAnalyticsConfigurationsOutput"] = "ListBucketAnalyticsConfigurationResult",
        ["ListBucketInventoryConfigurationsOutput"] = "ListInventoryConfigurationsResult",
        ["ListBucketMetricsConfigurationsOutput"] = "ListMetricsConfigurationsResult",
        ["CreateSessionOutput"] = "CreateSessionResult",
        ["NotificationConfiguration"] = "NotificationConfiguration",
    };

    /// <summary>
    /// Outputs whose document is a single element holding the member's text, named after the member:
    /// GetBucketLocation answers <c>&lt;LocationConstraint xmlns=...&gt;us-west-2&lt;/LocationConstraint&gt;</c>
    /// (empty for us-east-1), not a wrapper element around it.
    /// </summary>
    public static bool IsTextRoot(ServiceModel service, Shape output) =>
        service.EndpointPrefix == "s3" && output.Name == "GetBucketLocationOutput";

    /// <summary>The document element for an output structure without a payload member.</summary>
    public static string For(ServiceModel service, Shape output) =>
        output.LocationName
        ?? (service.EndpointPrefix == "s3" && S3.TryGetValue(output.Name, out var name) ? name : output.Name);
}
