namespace Gureum.Protocols.Routing;

/// <summary>
/// Reads the S3 bucket out of virtual-host style Host headers without DNS tricks:
/// <c>bucket.s3.localhost.localstack.cloud</c>, <c>bucket.s3.amazonaws.com</c>,
/// <c>bucket.s3.us-west-2.amazonaws.com</c>, <c>bucket.localhost</c>.
/// </summary>
public static class HostNames
{
    public static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']', StringComparison.Ordinal);
            return close > 0 ? host[..(close + 1)] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon > 0 ? host[..colon] : host;
    }

    public static string? VirtualHostBucket(string host)
    {
        host = StripPort(host).ToLowerInvariant();
        if (host.Length == 0 || host.StartsWith('[') || char.IsAsciiDigit(host[^1]))
        {
            return null; // IP addresses never carry a bucket
        }
        foreach (var marker in (string[])[".s3.", ".s3-"])
        {
            var index = host.IndexOf(marker, StringComparison.Ordinal);
            if (index > 0)
            {
                var bucket = host[..index];
                return bucket.EndsWith(".s3-website", StringComparison.Ordinal) ? null : bucket;
            }
        }
        foreach (var suffix in (string[])[".localhost", ".localhost.localstack.cloud"])
        {
            if (host.EndsWith(suffix, StringComparison.Ordinal))
            {
                var bucket = host[..^suffix.Length];
                // "sqs.us-east-1.localhost..." names a service endpoint, not a bucket.
                var first = bucket.Split('.')[0];
                return bucket.Length == 0 || first == "s3" || ServiceIndex.ByEndpointPrefix.Contains(first) ? null : bucket;
            }
        }
        return null;
    }

    /// <summary>The service endpoint prefix a Host names, e.g. "sqs" for sqs.us-east-1.amazonaws.com.</summary>
    public static string? EndpointPrefix(string host)
    {
        host = StripPort(host).ToLowerInvariant();
        var first = host.Split('.')[0];
        return host.Contains('.', StringComparison.Ordinal) && ServiceIndex.ByEndpointPrefix.Contains(first) ? first : null;
    }
}
