using System.Security.Cryptography;

namespace Gureum.Server.Pipeline;

/// <summary>Request ids in AWS's UUID form (e.g. 4f0c1b1e-8a4e-4b6f-9c2e-0d9a3c5b7e21).</summary>
public static class RequestIds
{
    public static string New() => Guid.CreateVersion7().ToString();

    /// <summary>S3's x-amz-id-2: an opaque base64 token.</summary>
    public static string HostId() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
}
