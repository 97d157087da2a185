using System.Text.Json;

namespace Gureum.Protocols.Routing;

/// <summary>One row of specs/index.json: what routing needs to know of a service without loading its model.</summary>
public sealed record ServiceIndexEntry(string Name, string ApiVersion, IReadOnlyList<string> Protocols,
    string SigningName, string EndpointPrefix, string? TargetPrefix);

/// <summary>The routing index of all vendored services, read once at start-up (a few KB).</summary>
public static class ServiceIndex
{
    public static IReadOnlyList<ServiceIndexEntry> All { get; } = Load();

    public static ILookup<string, ServiceIndexEntry> BySigningName { get; } =
        All.ToLookup(e => e.SigningName, StringComparer.Ordinal);

    /// <summary>
    /// By X-Amz-Target prefix. Clients send either the model's full targetPrefix or only its last
    /// segment (CloudTrail: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101" vs "CloudTrail_20131101").
    /// </summary>
    public static IReadOnlyDictionary<string, ServiceIndexEntry> ByTargetPrefix { get; } = TargetPrefixes();

    private static Dictionary<string, ServiceIndexEntry> TargetPrefixes()
    {
        var result = new Dictionary<string, ServiceIndexEntry>(StringComparer.Ordinal);
        foreach (var entry in All.Where(e => e.TargetPrefix is not null))
        {
            result[entry.TargetPrefix!] = entry;
            var dot = entry.TargetPrefix!.LastIndexOf('.');
            if (dot > 0)
            {
                result.TryAdd(entry.TargetPrefix[(dot + 1)..], entry);
            }
        }
        return result;
    }

    public static ILookup<string, ServiceIndexEntry> ByEndpointPrefix { get; } =
        All.ToLookup(e => e.EndpointPrefix, StringComparer.OrdinalIgnoreCase);

    public static ILookup<string, ServiceIndexEntry> ByApiVersion { get; } =
        All.ToLookup(e => e.ApiVersion, StringComparer.Ordinal);

    private static List<ServiceIndexEntry> Load()
    {
        using var stream = typeof(ServiceIndex).Assembly.GetManifestResourceStream("index.json")
            ?? throw new InvalidOperationException("index.json is not embedded.");
        using var document = JsonDocument.Parse(stream);
        var result = new List<ServiceIndexEntry>();
        foreach (var row in document.RootElement.EnumerateArray())
        {
            result.Add(new ServiceIndexEntry(
                row.GetProperty("name").GetString()!,
                row.GetProperty("apiVersion").GetString()!,
                row.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()!).ToList(),
                row.GetProperty("signingName").GetString()!,
                row.GetProperty("endpointPrefix").GetString()!,
                row.GetProperty("targetPrefix").ValueKind == JsonValueKind.String ? row.GetProperty("targetPrefix").GetString() : null));
        }
        return result;
    }
}
