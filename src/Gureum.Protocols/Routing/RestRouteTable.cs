using System.Collections.Concurrent;
using Gureum.Protocols.Model;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Routing;

/// <summary>
/// Matches REST requests to operations by method, URI template, query literals and the presence
/// of required query/header members (S3's PUT /{Bucket}/{Key+} is PutObject, CopyObject,
/// UploadPart or UploadPartCopy depending on those). Most specific match wins.
/// </summary>
internal sealed class RestRouteTable
{
    private readonly ConcurrentDictionary<string, ILookup<string, OperationModel>> _byMethod = new(StringComparer.Ordinal);

    internal sealed record Match(OperationModel Operation, Dictionary<string, string> Labels, (int, int, int, int, int) Score);

    public Match? Find(ServiceModel service, WireRequest request)
    {
        var table = _byMethod.GetOrAdd(service.Name, _ => service.Operations.Values.ToLookup(o => o.HttpMethod, StringComparer.OrdinalIgnoreCase));
        Match? best = null;
        // Clients name the operation in x-id (e.g. ListDirectoryBuckets shares GET / with ListBuckets).
        var xId = request.QueryValue("x-id");
        foreach (var operation in table[request.Method])
        {
            var template = operation.Template!;
            if (!template.TryMatch(request.RawPath, out var labels))
            {
                continue;
            }
            if (!QueryLiteralsPresent(template, request) || RequiredBindingsPresent(operation, request) is not { } required)
            {
                continue;
            }
            var score = (operation.Name == xId ? 1 : 0, template.QueryLiterals.Count, required, template.LiteralLength, operation.Deprecated ? 0 : 1);
            if (best is null || score.CompareTo(best.Score) > 0)
            {
                best = new Match(operation, labels!, score);
            }
        }
        return best;
    }

    private static bool QueryLiteralsPresent(UriTemplate template, WireRequest request)
    {
        foreach (var (key, value) in template.QueryLiterals)
        {
            if (value is null ? !request.HasQuery(key) : request.QueryValue(key) != value)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Counts required query/header members present; null when one is missing.</summary>
    private static int? RequiredBindingsPresent(OperationModel operation, WireRequest request)
    {
        var input = operation.Input;
        if (input is null)
        {
            return 0;
        }
        var count = 0;
        foreach (var name in input.Required)
        {
            var member = input.MembersByName[name];
            var present = member.Location switch
            {
                MemberLocation.QueryString => request.HasQuery(member.WireName),
                MemberLocation.Header => request.Headers[member.WireName] is not null,
                _ => (bool?)null,
            };
            if (present == false)
            {
                return null;
            }
            if (present == true)
            {
                count++;
            }
        }
        return count;
    }
}
