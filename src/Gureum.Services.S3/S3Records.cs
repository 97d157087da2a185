using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.S3;

/// <summary>A bucket: the name is global (one namespace for every account and region), as on AWS.</summary>
internal sealed class BucketRecord
{
    public string Name { get; set; } = "";
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    /// <summary>null (never enabled), "Enabled" or "Suspended".</summary>
    public string? Versioning { get; set; }
    /// <summary>"Enabled" or "Disabled" once configured (stored; MFA is not checked).</summary>
    public string? MfaDelete { get; set; }
    /// <summary>Bucket tags as a URL query string (k=v&amp;k2=v2), null when none.</summary>
    public string? Tagging { get; set; }
    public string? ObjectOwnership { get; set; }
    /// <summary>The bucket policy document as the owner sent it, null when none.</summary>
    public string? Policy { get; set; }
}

/// <summary>A stretch of payload bytes in the blob store; an object is one segment, or one per multipart part.</summary>
internal sealed class Segment
{
    public string Blob { get; set; } = "";
    public long Length { get; set; }
}

/// <summary>The current version of an object (metadata only; bytes are in blobs).</summary>
internal sealed class ObjectRecord
{
    public string Key { get; set; } = "";
    public string VersionId { get; set; } = "null";
    public bool DeleteMarker { get; set; }
    public long Size { get; set; }
    public string ETag { get; set; } = "";
    public DateTimeOffset LastModified { get; set; }
    public List<Segment> Segments { get; set; } = [];
    public List<long>? PartSizes { get; set; }
    public string? ContentType { get; set; }
    public string? ContentEncoding { get; set; }
    public string? ContentDisposition { get; set; }
    public string? ContentLanguage { get; set; }
    public string? CacheControl { get; set; }
    public string? Expires { get; set; }
    public string? WebsiteRedirectLocation { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public string StorageClass { get; set; } = "STANDARD";
    /// <summary>CRC32, CRC32C, CRC64NVME, SHA1 or SHA256, with its base64 value and FULL_OBJECT/COMPOSITE.</summary>
    public string? ChecksumAlgorithm { get; set; }
    public string? ChecksumValue { get; set; }
    public string? ChecksumType { get; set; }
    public string? Tagging { get; set; }
    public string Owner { get; set; } = "";
}

internal sealed class UploadRecord
{
    public string UploadId { get; set; } = "";
    public string Key { get; set; } = "";
    public DateTimeOffset Initiated { get; set; }
    public string Owner { get; set; } = "";
    public string? InitiatorArn { get; set; }
    public string? ContentType { get; set; }
    public string? ContentEncoding { get; set; }
    public string? ContentDisposition { get; set; }
    public string? ContentLanguage { get; set; }
    public string? CacheControl { get; set; }
    public string? Expires { get; set; }
    public string? WebsiteRedirectLocation { get; set; }
    public Dictionary<string, string>? Metadata { get; set; }
    public string StorageClass { get; set; } = "STANDARD";
    public string? ChecksumAlgorithm { get; set; }
    public string? ChecksumType { get; set; }
    public string? Tagging { get; set; }
}

internal sealed class PartRecord
{
    public int PartNumber { get; set; }
    public string Blob { get; set; } = "";
    public long Size { get; set; }
    public string ETag { get; set; } = "";
    public DateTimeOffset LastModified { get; set; }
    public string? ChecksumAlgorithm { get; set; }
    public string? ChecksumValue { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BucketRecord))]
[JsonSerializable(typeof(ObjectRecord))]
[JsonSerializable(typeof(UploadRecord))]
[JsonSerializable(typeof(PartRecord))]
internal sealed partial class S3Json : JsonSerializerContext
{
    public static byte[] Bytes(BucketRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.BucketRecord);
    public static byte[] Bytes(ObjectRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.ObjectRecord);
    public static byte[] Bytes(UploadRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.UploadRecord);
    public static byte[] Bytes(PartRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.PartRecord);
    public static BucketRecord Bucket(byte[] b) => JsonSerializer.Deserialize(b, Default.BucketRecord)!;
    public static ObjectRecord Object(byte[] b) => JsonSerializer.Deserialize(b, Default.ObjectRecord)!;
    public static UploadRecord Upload(byte[] b) => JsonSerializer.Deserialize(b, Default.UploadRecord)!;
    public static PartRecord Part(byte[] b) => JsonSerializer.Deserialize(b, Default.PartRecord)!;
}
