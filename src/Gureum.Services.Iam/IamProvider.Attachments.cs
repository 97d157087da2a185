using Gureum.Api.Iam;
using Gureum.Core;

namespace Gureum.Services.Iam;

public sealed partial class IamProvider
{
    // Inline policy quotas (characters without whitespace, aggregated per principal as IAM does).
    private const int UserInlineQuota = 2048;
    private const int RoleInlineQuota = 10240;
    private const int GroupInlineQuota = 5120;
    private const int MaxManagedPerEntity = 10;

    private enum EntityKind { User, Role, Group }

    /// <summary>The mutable parts that attach/inline operations share, for one principal.</summary>
    private sealed record Entity(EntityKind Kind, string Name, Dictionary<string, string> Inline, List<string> Attached, Func<WriteBatchAction> Save)
    {
        public Action? Apply { get; init; }
    }

    private delegate void WriteBatchAction(Gureum.Storage.WriteBatch batch);

    private Entity Load(string accountId, EntityKind kind, string? name)
    {
        var account = _state.Account(accountId);
        switch (kind)
        {
            case EntityKind.User:
            {
                var user = Clone(RequireUser(account, name));
                return new Entity(kind, user.Name, user.Inline, user.Attached, () => b => IamState.Put(b, accountId, user))
                {
                    Apply = () => account.Users[user.Name] = user,
                };
            }
            case EntityKind.Role:
            {
                var role = Clone(RequireRole(account, name));
                return new Entity(kind, role.Name, role.Inline, role.Attached, () => b => IamState.Put(b, accountId, role))
                {
                    Apply = () => account.Roles[role.Name] = role,
                };
            }
            default:
            {
                var group = Clone(RequireGroup(account, name));
                return new Entity(kind, group.Name, group.Inline, group.Attached, () => b => IamState.Put(b, accountId, group))
                {
                    Apply = () => account.Groups[group.Name] = group,
                };
            }
        }
    }

    private ValueTask<Empty> Change(RequestContext context, EntityKind kind, string? name, Action<Entity> change) =>
        LockedAsync(async () =>
        {
            var entity = Load(context.AccountId, kind, name);
            change(entity);
            var save = entity.Save();
            await Commit(b => save(b)).ConfigureAwait(false);
            entity.Apply!();
            return Empty.Instance;
        });

    private ValueTask<Empty> Attach(RequestContext context, EntityKind kind, string? name, string? policyArn) =>
        Change(context, kind, name, entity =>
        {
            var arn = RequireAttachablePolicy(context.AccountId, policyArn);
            if (!entity.Attached.Contains(arn))
            {
                if (entity.Attached.Count >= MaxManagedPerEntity)
                {
                    var quota = kind switch { EntityKind.Role => "PoliciesPerRole", EntityKind.Group => "PoliciesPerGroup", _ => "PoliciesPerUser" };
                    throw new LimitExceededException($"Cannot exceed quota for {quota}: {MaxManagedPerEntity}");
                }
                entity.Attached.Add(arn);
            }
        });

    private ValueTask<Empty> Detach(RequestContext context, EntityKind kind, string? name, string? policyArn) =>
        Change(context, kind, name, entity =>
        {
            if (policyArn is null || !entity.Attached.Remove(policyArn))
            {
                throw new NoSuchEntityException($"Policy {policyArn} was not found.");
            }
        });

    private (List<AttachedPolicy> Items, bool Truncated, string? Marker) ListAttached(string accountId, Entity entity, string? pathPrefix, string? marker, int? maxItems)
    {
        var attached = entity.Attached
            .Select(arn => ResolvePolicy(accountId, arn))
            .Where(p => p is not null && PathMatches(p.Policy.Path, pathPrefix))
            .Select(p => new AttachedPolicy { PolicyName = p!.Policy.Name, PolicyArn = p.Arn });
        return Page(attached, p => p.PolicyArn!, marker, maxItems);
    }

    public override ValueTask<Empty> AttachUserPolicyAsync(RequestContext context, AttachUserPolicyRequest request, CancellationToken ct) =>
        Attach(context, EntityKind.User, request.UserName, request.PolicyArn);

    public override ValueTask<Empty> AttachRolePolicyAsync(RequestContext context, AttachRolePolicyRequest request, CancellationToken ct) =>
        Attach(context, EntityKind.Role, request.RoleName, request.PolicyArn);

    public override ValueTask<Empty> AttachGroupPolicyAsync(RequestContext context, AttachGroupPolicyRequest request, CancellationToken ct) =>
        Attach(context, EntityKind.Group, request.GroupName, request.PolicyArn);

    public override ValueTask<Empty> DetachUserPolicyAsync(RequestContext context, DetachUserPolicyRequest request, CancellationToken ct) =>
        Detach(context, EntityKind.User, request.UserName, request.PolicyArn);

    public override ValueTask<Empty> DetachRolePolicyAsync(RequestContext context, DetachRolePolicyRequest request, CancellationToken ct) =>
        Detach(context, EntityKind.Role, request.RoleName, request.PolicyArn);

    public override ValueTask<Empty> DetachGroupPolicyAsync(RequestContext context, DetachGroupPolicyRequest request, CancellationToken ct) =>
        Detach(context, EntityKind.Group, request.GroupName, request.PolicyArn);

    public override ValueTask<ListAttachedUserPoliciesResponse> ListAttachedUserPoliciesAsync(RequestContext context, ListAttachedUserPoliciesRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var (items, truncated, marker) = ListAttached(context.AccountId, Load(context.AccountId, EntityKind.User, request.UserName), request.PathPrefix, request.Marker, request.MaxItems);
            return new ListAttachedUserPoliciesResponse { AttachedPolicies = items, IsTruncated = truncated, Marker = marker };
        });

    public override ValueTask<ListAttachedRolePoliciesResponse> ListAttachedRolePoliciesAsync(RequestContext context, ListAttachedRolePoliciesRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var (items, truncated, marker) = ListAttached(context.AccountId, Load(context.AccountId, EntityKind.Role, request.RoleName), request.PathPrefix, request.Marker, request.MaxItems);
            return new ListAttachedRolePoliciesResponse { AttachedPolicies = items, IsTruncated = truncated, Marker = marker };
        });

    public override ValueTask<ListAttachedGroupPoliciesResponse> ListAttachedGroupPoliciesAsync(RequestContext context, ListAttachedGroupPoliciesRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var (items, truncated, marker) = ListAttached(context.AccountId, Load(context.AccountId, EntityKind.Group, request.GroupName), request.PathPrefix, request.Marker, request.MaxItems);
            return new ListAttachedGroupPoliciesResponse { AttachedPolicies = items, IsTruncated = truncated, Marker = marker };
        });

    // ---------------------------------------------------------------- inline policies

    private ValueTask<Empty> PutInline(RequestContext context, EntityKind kind, string? name, string? policyName, string? document) =>
        Change(context, kind, name, entity =>
        {
            PolicyDocuments.Validate(document!, PolicyDocuments.Kind.Identity);
            entity.Inline[policyName!] = document!;
            var total = entity.Inline.Values.Sum(PolicyDocuments.Size);
            var limit = kind switch
            {
                EntityKind.User => UserInlineQuota,
                EntityKind.Role => RoleInlineQuota,
                _ => GroupInlineQuota,
            };
            if (total > limit)
            {
                throw new LimitExceededException($"Maximum policy size of {limit} bytes exceeded for {kind.ToString().ToLowerInvariant()} {entity.Name}");
            }
        });

    private static string InlineNotFound(EntityKind kind, string? policyName) =>
        $"The {kind.ToString().ToLowerInvariant()} policy with name {policyName} cannot be found.";

    private ValueTask<Empty> DeleteInline(RequestContext context, EntityKind kind, string? name, string? policyName) =>
        Change(context, kind, name, entity =>
        {
            if (policyName is null || !entity.Inline.Remove(policyName))
            {
                throw new NoSuchEntityException(InlineNotFound(kind, policyName));
            }
        });

    private ValueTask<(string EntityName, string PolicyName, string Document)> GetInline(RequestContext context, EntityKind kind, string? name, string? policyName) =>
        Locked(() =>
        {
            var entity = Load(context.AccountId, kind, name);
            if (policyName is null || !entity.Inline.TryGetValue(policyName, out var document))
            {
                throw new NoSuchEntityException(InlineNotFound(kind, policyName));
            }
            return (entity.Name, policyName, PolicyDocuments.Encode(document));
        });

    private ValueTask<(List<string> Items, bool Truncated, string? Marker)> ListInline(RequestContext context, EntityKind kind, string? name, string? marker, int? maxItems) =>
        Locked(() =>
        {
            var entity = Load(context.AccountId, kind, name);
            return Page(entity.Inline.Keys.OrderBy(k => k, StringComparer.Ordinal), k => k, marker, maxItems);
        });

    public override ValueTask<Empty> PutUserPolicyAsync(RequestContext context, PutUserPolicyRequest request, CancellationToken ct) =>
        PutInline(context, EntityKind.User, request.UserName, request.PolicyName, request.PolicyDocument);

    public override ValueTask<Empty> PutRolePolicyAsync(RequestContext context, PutRolePolicyRequest request, CancellationToken ct) =>
        PutInline(context, EntityKind.Role, request.RoleName, request.PolicyName, request.PolicyDocument);

    public override ValueTask<Empty> PutGroupPolicyAsync(RequestContext context, PutGroupPolicyRequest request, CancellationToken ct) =>
        PutInline(context, EntityKind.Group, request.GroupName, request.PolicyName, request.PolicyDocument);

    public override ValueTask<Empty> DeleteUserPolicyAsync(RequestContext context, DeleteUserPolicyRequest request, CancellationToken ct) =>
        DeleteInline(context, EntityKind.User, request.UserName, request.PolicyName);

    public override ValueTask<Empty> DeleteRolePolicyAsync(RequestContext context, DeleteRolePolicyRequest request, CancellationToken ct) =>
        DeleteInline(context, EntityKind.Role, request.RoleName, request.PolicyName);

    public override ValueTask<Empty> DeleteGroupPolicyAsync(RequestContext context, DeleteGroupPolicyRequest request, CancellationToken ct) =>
        DeleteInline(context, EntityKind.Group, request.GroupName, request.PolicyName);

    public override async ValueTask<GetUserPolicyResponse> GetUserPolicyAsync(RequestContext context, GetUserPolicyRequest request, CancellationToken ct)
    {
        var (entity, policy, document) = await GetInline(context, EntityKind.User, request.UserName, request.PolicyName).ConfigureAwait(false);
        return new GetUserPolicyResponse { UserName = entity, PolicyName = policy, PolicyDocument = document };
    }

    public override async ValueTask<GetRolePolicyResponse> GetRolePolicyAsync(RequestContext context, GetRolePolicyRequest request, CancellationToken ct)
    {
        var (entity, policy, document) = await GetInline(context, EntityKind.Role, request.RoleName, request.PolicyName).ConfigureAwait(false);
        return new GetRolePolicyResponse { RoleName = entity, PolicyName = policy, PolicyDocument = document };
    }

    public override async ValueTask<GetGroupPolicyResponse> GetGroupPolicyAsync(RequestContext context, GetGroupPolicyRequest request, CancellationToken ct)
    {
        var (entity, policy, document) = await GetInline(context, EntityKind.Group, request.GroupName, request.PolicyName).ConfigureAwait(false);
        return new GetGroupPolicyResponse { GroupName = entity, PolicyName = policy, PolicyDocument = document };
    }

    public override async ValueTask<ListUserPoliciesResponse> ListUserPoliciesAsync(RequestContext context, ListUserPoliciesRequest request, CancellationToken ct)
    {
        var (items, truncated, marker) = await ListInline(context, EntityKind.User, request.UserName, request.Marker, request.MaxItems).ConfigureAwait(false);
        return new ListUserPoliciesResponse { PolicyNames = items, IsTruncated = truncated, Marker = marker };
    }

    public override async ValueTask<ListRolePoliciesResponse> ListRolePoliciesAsync(RequestContext context, ListRolePoliciesRequest request, CancellationToken ct)
    {
        var (items, truncated, marker) = await ListInline(context, EntityKind.Role, request.RoleName, request.Marker, request.MaxItems).ConfigureAwait(false);
        return new ListRolePoliciesResponse { PolicyNames = items, IsTruncated = truncated, Marker = marker };
    }

    public override async ValueTask<ListGroupPoliciesResponse> ListGroupPoliciesAsync(RequestContext context, ListGroupPoliciesRequest request, CancellationToken ct)
    {
        var (items, truncated, marker) = await ListInline(context, EntityKind.Group, request.GroupName, request.Marker, request.MaxItems).ConfigureAwait(false);
        return new ListGroupPoliciesResponse { PolicyNames = items, IsTruncated = truncated, Marker = marker };
    }
}
