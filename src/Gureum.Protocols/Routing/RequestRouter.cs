using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Query;
using Gureum.Protocols.Wire;

namespace Gureum.Protocols.Routing;

/// <summary>
/// Finds the service, operation and wire protocol of a request, in AWS's order of evidence:
/// SigV4 credential scope → X-Amz-Target → Smithy-Protocol → Host → path/method/URI template → Action.
/// Works on headers, path and (for form bodies) the buffered body only.
/// </summary>
public sealed class RequestRouter
{
    private readonly RestRouteTable _rest = new();

    /// <summary>Rewrites a virtual-host style S3 request to path style; returns the bucket, if any.</summary>
    public static string? ApplyVirtualHost(WireRequest request)
    {
        var bucket = HostNames.VirtualHostBucket(request.Host);
        if (bucket is not null)
        {
            request.RawPath = "/" + bucket + (request.RawPath.StartsWith('/') ? request.RawPath : "/" + request.RawPath);
        }
        return bucket;
    }

    public RouteResult Route(WireRequest request, string? virtualHostBucket)
    {
        if (virtualHostBucket is not null)
        {
            return RouteRest(request, [ModelCatalog.Get("s3")]);
        }
        var target = request.Headers["X-Amz-Target"];
        if (!string.IsNullOrEmpty(target))
        {
            return RouteTarget(target);
        }
        if (string.Equals(request.Headers["smithy-protocol"], "rpc-v2-cbor", StringComparison.OrdinalIgnoreCase))
        {
            return RouteCbor(request);
        }

        var candidates = Candidates(request);
        var action = IsQueryRequest(request) ? QueryParameter(request, "Action") : null;
        if (action is not null)
        {
            return RouteQuery(action, QueryParameter(request, "Version"), candidates);
        }
        var rest = candidates.Where(c => c.Protocol is "rest-json" or "rest-xml").ToList();
        if (rest.Count == 0)
        {
            if (candidates.Count > 0)
            {
                var service = candidates[0];
                throw new RouteException(service, ProtocolOf(service), CommonErrors.MissingAction());
            }
            rest.Add(ModelCatalog.Get("s3")); // unsigned, unaddressed requests are S3's (browsers, curl, presigned URLs)
        }
        return RouteRest(request, rest);
    }

    private static List<ServiceModel> Candidates(WireRequest request)
    {
        // The lists are computed once per signing name / endpoint prefix and only ever read.
        var scope = CredentialScopeService(request);
        if (scope is not null)
        {
            var bySigning = SigningCandidates.GetOrAdd(scope, static s => ServiceIndex.BySigningName[s].Select(e => ModelCatalog.Get(e.Name)).ToList());
            if (bySigning.Count > 0)
            {
                return bySigning;
            }
        }
        var prefix = HostNames.EndpointPrefix(request.Host);
        if (prefix is not null)
        {
            return PrefixCandidates.GetOrAdd(prefix, static p => ServiceIndex.ByEndpointPrefix[p].Select(e => ModelCatalog.Get(e.Name)).ToList());
        }
        return [];
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<ServiceModel>> SigningCandidates = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<ServiceModel>> PrefixCandidates = new(StringComparer.Ordinal);

    public static string? CredentialScopeService(WireRequest request)
    {
        var credential = request.Headers["Authorization"] is { } authorization
            ? Between(authorization, "Credential=", ",")
            : request.QueryValue("X-Amz-Credential");
        if (credential is null)
        {
            return null;
        }
        // The fourth '/'-separated part of at least five (AKID/date/region/service/aws4_request).
        var rest = credential.AsSpan();
        var start = 0;
        for (var part = 0; part < 3; part++)
        {
            var slash = rest[start..].IndexOf('/');
            if (slash < 0)
            {
                return null;
            }
            start += slash + 1;
        }
        var end = rest[start..].IndexOf('/');
        return end < 0 ? null : credential.Substring(start, end);
    }

    private static string? Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        if (from < 0)
        {
            return null;
        }
        from += start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        return (to < 0 ? text[from..] : text[from..to]).Trim();
    }

    private static RouteResult RouteTarget(string target)
    {
        var dot = target.LastIndexOf('.');
        var prefix = dot > 0 ? target[..dot] : target;
        var operationName = dot > 0 ? target[(dot + 1)..] : "";
        if (!ServiceIndex.ByTargetPrefix.TryGetValue(prefix, out var entry))
        {
            throw new RouteException(null, "json", CommonErrors.UnknownOperation(prefix, operationName));
        }
        var service = ModelCatalog.Get(entry.Name);
        var operation = service.FindOperation(operationName)
            ?? throw new RouteException(service, "json", CommonErrors.UnknownOperation(service.Name, operationName));
        return new RouteResult(service, operation, "json", null);
    }

    private static RouteResult RouteCbor(WireRequest request)
    {
        // POST /service/{ServiceName}/operation/{OperationName}
        var parts = request.RawPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4 || parts[^4] != "service" || parts[^2] != "operation")
        {
            throw new RouteException(null, "smithy-rpc-v2-cbor",
                new AwsServiceException("UnknownOperationException", "An rpc-v2-cbor request must be POST /service/{service}/operation/{operation}.", 404));
        }
        var serviceName = Uri.UnescapeDataString(parts[^3]);
        var operationName = Uri.UnescapeDataString(parts[^1]);
        var entry = ServiceIndex.All.FirstOrDefault(e =>
            e.TargetPrefix == serviceName || e.Protocols.Contains("smithy-rpc-v2-cbor") && ModelCatalog.Get(e.Name).ServiceId.Replace(" ", "", StringComparison.Ordinal) == serviceName);
        if (entry is null)
        {
            throw new RouteException(null, "smithy-rpc-v2-cbor", CommonErrors.UnknownOperation(serviceName, operationName));
        }
        var service = ModelCatalog.Get(entry.Name);
        var operation = service.FindOperation(operationName)
            ?? throw new RouteException(service, "smithy-rpc-v2-cbor", CommonErrors.UnknownOperation(service.Name, operationName));
        return new RouteResult(service, operation, "smithy-rpc-v2-cbor", null);
    }

    private static bool IsQueryRequest(WireRequest request)
    {
        var contentType = request.Headers["Content-Type"];
        return contentType is not null && contentType.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || request.HasQuery("Action");
    }

    private static string? QueryParameter(WireRequest request, string name)
    {
        foreach (var (key, value) in QueryProtocol.Parameters(request))
        {
            if (key == name)
            {
                return value;
            }
        }
        return null;
    }

    private static RouteResult RouteQuery(string action, string? version, List<ServiceModel> candidates)
    {
        if (candidates.Count > 0)
        {
            // The common case, without LINQ: the first query-capable candidate with the action and version,
            // else the first with the action.
            ServiceModel? firstCapable = null, withAction = null;
            foreach (var candidate in candidates)
            {
                if (!AcceptsQuery(candidate))
                {
                    continue;
                }
                firstCapable ??= candidate;
                if (candidate.FindOperation(action) is not null)
                {
                    if (version is null || candidate.ApiVersion == version)
                    {
                        return new RouteResult(candidate, candidate.Operations[action], QueryProtocolOf(candidate), null);
                    }
                    withAction ??= candidate;
                }
            }
            if (withAction is not null)
            {
                return new RouteResult(withAction, withAction.Operations[action], QueryProtocolOf(withAction), null);
            }
            var fallback = firstCapable ?? candidates[0];
            throw new RouteException(fallback, QueryProtocolOf(fallback), CommonErrors.InvalidAction(fallback.Name, action));
        }
        var pool = (version is null ? ServiceIndex.All : ServiceIndex.ByApiVersion[version]).Select(e => ModelCatalog.Get(e.Name));
        var queryCapable = pool.Where(AcceptsQuery).ToList();
        var match = queryCapable.FirstOrDefault(s => s.FindOperation(action) is not null && (version is null || s.ApiVersion == version))
            ?? queryCapable.FirstOrDefault(s => s.FindOperation(action) is not null);
        if (match is null)
        {
            var service = queryCapable.FirstOrDefault();
            throw new RouteException(service, service is null ? "query" : QueryProtocolOf(service),
                CommonErrors.InvalidAction(service?.Name ?? "unknown", action));
        }
        return new RouteResult(match, match.Operations[action], QueryProtocolOf(match), null);
    }

    /// <summary>Query requests are accepted by query services and by JSON services that replaced a query API (SQS, CloudWatch).</summary>
    private static bool AcceptsQuery(ServiceModel service) =>
        service.Protocols.Contains("query") || service.Protocols.Contains("ec2") || service.AwsQueryCompatible;

    private static string QueryProtocolOf(ServiceModel service) => service.Protocol == "ec2" ? "ec2" : "query";

    private static string ProtocolOf(ServiceModel service) => service.Protocol;

    private RouteResult RouteRest(WireRequest request, List<ServiceModel> services)
    {
        RestRouteTable.Match? best = null;
        foreach (var service in services)
        {
            var match = _rest.Find(service, request);
            if (match is not null && (best is null || match.Score.CompareTo(best.Score) > 0))
            {
                best = match;
            }
        }
        if (best is null)
        {
            var service = services[0];
            throw new RouteException(service, service.Protocol, new AwsServiceException(
                service.Name == "s3" ? "MethodNotAllowed" : "UnknownOperationException",
                service.Name == "s3"
                    ? "The specified method is not allowed against this resource."
                    : $"No operation of service {service.Name} matches {request.Method} {request.RawPath}.",
                service.Name == "s3" ? 405 : 404));
        }
        return new RouteResult(best.Operation.Service, best.Operation, best.Operation.Service.Protocol, best.Labels);
    }
}
