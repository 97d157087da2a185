using System.Text;
using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;

namespace Gureum.Services.Lambda;

/// <summary>Resource-based policies (Add/RemovePermission, GetPolicy), reserved concurrency and tags.</summary>
public sealed partial class LambdaProvider
{
    private static void RequireQualifier(RequestContext c, FunctionRecord f, string? qualifier)
    {
        if (qualifier is not null && qualifier != "$LATEST")
        {
            _ = ResolveVersion(c, f, qualifier, out _);
        }
    }

    private static string StatementJson(RequestContext c, string name, AddPermissionRequest r, string? qualifier)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Sid", r.StatementId);
            w.WriteString("Effect", "Allow");
            var principal = r.Principal!;
            if (principal == "*")
            {
                w.WriteString("Principal", "*");
            }
            else
            {
                w.WriteStartObject("Principal");
                if (principal.Length == 12 && principal.All(char.IsAsciiDigit))
                {
                    w.WriteString("AWS", $"arn:aws:iam::{principal}:root");
                }
                else if (principal.StartsWith("arn:", StringComparison.Ordinal))
                {
                    w.WriteString("AWS", principal);
                }
                else
                {
                    w.WriteString("Service", principal);
                }
                w.WriteEndObject();
            }
            w.WriteString("Action", r.Action);
            w.WriteString("Resource", qualifier is null ? FunctionArn(c, name) : $"{FunctionArn(c, name)}:{qualifier}");
            var equals = new List<(string, string)>();
            if (r.SourceAccount is not null)
            {
                equals.Add(("AWS:SourceAccount", r.SourceAccount));
            }
            if (r.PrincipalOrgID is not null)
            {
                equals.Add(("aws:PrincipalOrgID", r.PrincipalOrgID));
            }
            if (r.EventSourceToken is not null)
            {
                equals.Add(("lambda:EventSourceToken", r.EventSourceToken));
            }
            if (r.FunctionUrlAuthType is not null)
            {
                equals.Add(("lambda:FunctionUrlAuthType", r.FunctionUrlAuthType));
            }
            if (r.InvokedViaFunctionUrl == true)
            {
                equals.Add(("lambda:InvokedViaFunctionUrl", "true"));
            }
            if (equals.Count > 0 || r.SourceArn is not null)
            {
                w.WriteStartObject("Condition");
                if (equals.Count > 0)
                {
                    w.WriteStartObject("StringEquals");
                    foreach (var (k, v) in equals)
                    {
                        w.WriteString(k, v);
                    }
                    w.WriteEndObject();
                }
                if (r.SourceArn is not null)
                {
                    w.WriteStartObject("ArnLike");
                    w.WriteString("AWS:SourceArn", r.SourceArn);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public override async ValueTask<AddPermissionResponse> AddPermissionAsync(RequestContext context, AddPermissionRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            RequireQualifier(context, f, qualifier);
            var key = qualifier ?? "";
            if (request.RevisionId is not null && f.PolicyRevisions.GetValueOrDefault(key) is { } rev && rev != request.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var statements = f.Policies.TryGetValue(key, out var list) ? list : f.Policies[key] = [];
            foreach (var existing in statements)
            {
                using var doc = JsonDocument.Parse(existing);
                if (doc.RootElement.GetProperty("Sid").GetString() == request.StatementId)
                {
                    throw LambdaErrors.Conflict("The statement id (" + request.StatementId + ") provided already exists. Please provide a new statement id, or remove the existing statement.");
                }
            }
            var statement = StatementJson(context, name, request, qualifier);
            statements.Add(statement);
            f.PolicyRevisions[key] = Guid.NewGuid().ToString();
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return new AddPermissionResponse { Statement = statement };
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<Empty> RemovePermissionAsync(RequestContext context, RemovePermissionRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            RequireQualifier(context, f, qualifier);
            var key = qualifier ?? "";
            if (!f.Policies.TryGetValue(key, out var statements) || statements.Count == 0)
            {
                throw LambdaErrors.NotFound("No policy is associated with the given resource.");
            }
            if (request.RevisionId is not null && f.PolicyRevisions.GetValueOrDefault(key) != request.RevisionId)
            {
                throw LambdaErrors.RevisionMismatch();
            }
            var index = statements.FindIndex(s =>
            {
                using var doc = JsonDocument.Parse(s);
                return doc.RootElement.GetProperty("Sid").GetString() == request.StatementId;
            });
            if (index < 0)
            {
                throw LambdaErrors.NotFound($"Statement {request.StatementId} is not found in resource policy.");
            }
            statements.RemoveAt(index);
            if (statements.Count == 0)
            {
                f.Policies.Remove(key);
                f.PolicyRevisions.Remove(key);
            }
            else
            {
                f.PolicyRevisions[key] = Guid.NewGuid().ToString();
            }
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<GetPolicyResponse> GetPolicyAsync(RequestContext context, GetPolicyRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        RequireQualifier(context, f, qualifier);
        var key = qualifier ?? "";
        if (!f.Policies.TryGetValue(key, out var statements) || statements.Count == 0)
        {
            throw LambdaErrors.NotFound("The resource you requested does not exist.");
        }
        var policy = $"{{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[{string.Join(",", statements)}]}}";
        return new GetPolicyResponse { Policy = policy, RevisionId = f.PolicyRevisions.GetValueOrDefault(key) };
    }

    // ---- reserved concurrency ---------------------------------------------------------------------

    public override async ValueTask<Concurrency> PutFunctionConcurrencyAsync(RequestContext context, PutFunctionConcurrencyRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            var reserved = request.ReservedConcurrentExecutions ?? 0;
            if (reserved > _executor.AccountConcurrency - 100)
            {
                throw LambdaErrors.InvalidParameter($"Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].");
            }
            f.ReservedConcurrency = reserved;
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return new Concurrency { ReservedConcurrentExecutions = reserved };
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<GetFunctionConcurrencyResponse> GetFunctionConcurrencyAsync(RequestContext context, GetFunctionConcurrencyRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        return new GetFunctionConcurrencyResponse { ReservedConcurrentExecutions = f.ReservedConcurrency };
    }

    public override async ValueTask<Empty> DeleteFunctionConcurrencyAsync(RequestContext context, DeleteFunctionConcurrencyRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            f.ReservedConcurrency = null;
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }

    // ---- tags --------------------------------------------------------------------------------------

    private string TagTarget(RequestContext c, string resource)
    {
        var prefix = $"arn:aws:lambda:{c.Region}:{c.AccountId}:function:";
        if (!resource.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw LambdaErrors.Validation($"1 validation error detected: Value '{resource}' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{{2}}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{{1}}:\\d{{12}}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{{17}}|event-source-mapping:[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}})");
        }
        var rest = resource[prefix.Length..];
        if (rest.Contains(':', StringComparison.Ordinal))
        {
            throw LambdaErrors.InvalidParameter("Tags on function aliases and versions are not supported. Please specify a function ARN.");
        }
        return rest;
    }

    public override async ValueTask<Empty> TagResourceAsync(RequestContext context, TagResourceRequest request, CancellationToken ct)
    {
        var name = TagTarget(context, request.Resource!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            foreach (var (k, v) in request.Tags ?? [])
            {
                f.Tags[k] = v;
            }
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<Empty> UntagResourceAsync(RequestContext context, UntagResourceRequest request, CancellationToken ct)
    {
        var name = TagTarget(context, request.Resource!);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            foreach (var k in request.TagKeys ?? [])
            {
                f.Tags.Remove(k);
            }
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<ListTagsResponse> ListTagsAsync(RequestContext context, ListTagsRequest request, CancellationToken ct)
    {
        var name = TagTarget(context, request.Resource!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        return new ListTagsResponse { Tags = new Dictionary<string, string>(f.Tags) };
    }
}
