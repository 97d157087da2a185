using Gureum.Api.Iam;
using Gureum.Core;

namespace Gureum.Services.Iam;

public sealed partial class IamProvider
{
    private const int TrustPolicyQuota = 2048;

    private Role RoleShape(string account, RoleRecord role, bool full) => new()
    {
        Path = role.Path,
        RoleName = role.Name,
        RoleId = role.Id,
        Arn = RoleArn(account, role),
        CreateDate = role.Created,
        AssumeRolePolicyDocument = PolicyDocuments.Encode(role.TrustPolicy),
        Description = role.Description,
        MaxSessionDuration = role.MaxSessionDuration,
        PermissionsBoundary = role.Boundary is null ? null : new AttachedPermissionsBoundary
        {
            PermissionsBoundaryType = "PermissionsBoundaryPolicy", PermissionsBoundaryArn = role.Boundary,
        },
        Tags = full ? TagList(role.Tags) : null,
        RoleLastUsed = full
            ? role.LastUsed is null ? new RoleLastUsed() : new RoleLastUsed { LastUsedDate = TruncateToSeconds(role.LastUsed.Value), Region = role.LastUsedRegion }
            : null,
    };

    public override ValueTask<CreateRoleResponse> CreateRoleAsync(RequestContext context, CreateRoleRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var name = request.RoleName!;
            if (account.Roles.ContainsKey(name))
            {
                throw new EntityAlreadyExistsException($"Role with name {name} already exists.");
            }
            PolicyDocuments.Validate(request.AssumeRolePolicyDocument!, PolicyDocuments.Kind.Trust);
            PolicyDocuments.CheckSize(request.AssumeRolePolicyDocument!, "ACLSizePerRole", TrustPolicyQuota);
            CheckDistinctTagKeys(request.Tags);
            var role = new RoleRecord
            {
                Name = name,
                Path = NormalizePath(request.Path),
                Id = IamIds.UniqueId("AROA"),
                Created = Now(),
                TrustPolicy = request.AssumeRolePolicyDocument!,
                Description = request.Description,
                MaxSessionDuration = request.MaxSessionDuration ?? 3600,
                Boundary = request.PermissionsBoundary is null ? null : RequireAttachablePolicy(context.AccountId, request.PermissionsBoundary),
                Tags = MergeTags([], request.Tags),
            };
            await Commit(b => IamState.Put(b, context.AccountId, role)).ConfigureAwait(false);
            account.Roles[name] = role;
            var shape = RoleShape(context.AccountId, role, full: false);
            shape.Tags = TagList(role.Tags);
            return new CreateRoleResponse { Role = shape };
        });

    public override ValueTask<GetRoleResponse> GetRoleAsync(RequestContext context, GetRoleRequest request, CancellationToken ct) =>
        Locked(() => new GetRoleResponse { Role = RoleShape(context.AccountId, RequireRole(_state.Account(context.AccountId), request.RoleName), full: true) });

    public override ValueTask<ListRolesResponse> ListRolesAsync(RequestContext context, ListRolesRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var (items, truncated, marker) = Page(
                SortedByName(account.Roles.Values.Where(r => PathMatches(r.Path, request.PathPrefix)), r => r.Name),
                r => r.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListRolesResponse
            {
                Roles = items.Select(r => RoleShape(context.AccountId, r, full: false)).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    private ValueTask<Empty> UpdateRoleRecord(RequestContext context, string? roleName, Action<RoleRecord> change) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var role = RequireRole(account, roleName);
            var updated = Clone(role);
            change(updated);
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            account.Roles[role.Name] = updated;
            return Empty.Instance;
        });

    public override ValueTask<UpdateRoleResponse> UpdateRoleAsync(RequestContext context, UpdateRoleRequest request, CancellationToken ct) =>
        Then(UpdateRoleRecord(context, request.RoleName, r =>
        {
            if (request.Description is not null)
            {
                r.Description = request.Description;
            }
            if (request.MaxSessionDuration is { } max)
            {
                r.MaxSessionDuration = max;
            }
        }), () => new UpdateRoleResponse());

    public override ValueTask<UpdateRoleDescriptionResponse> UpdateRoleDescriptionAsync(RequestContext context, UpdateRoleDescriptionRequest request, CancellationToken ct) =>
        Then(UpdateRoleRecord(context, request.RoleName, r => r.Description = request.Description), () => new UpdateRoleDescriptionResponse
        {
            Role = RoleShape(context.AccountId, RequireRole(_state.Account(context.AccountId), request.RoleName), full: true),
        });

    public override ValueTask<Empty> UpdateAssumeRolePolicyAsync(RequestContext context, UpdateAssumeRolePolicyRequest request, CancellationToken ct)
    {
        PolicyDocuments.Validate(request.PolicyDocument!, PolicyDocuments.Kind.Trust);
        PolicyDocuments.CheckSize(request.PolicyDocument!, "ACLSizePerRole", TrustPolicyQuota);
        return UpdateRoleRecord(context, request.RoleName, r => r.TrustPolicy = request.PolicyDocument!);
    }

    public override ValueTask<Empty> DeleteRoleAsync(RequestContext context, DeleteRoleRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var role = RequireRole(account, request.RoleName);
            if (role.Inline.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must delete policies first.");
            }
            if (role.Attached.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must detach all policies first.");
            }
            await Commit(b => b.Delete(IamState.Table, IamState.RoleKey(context.AccountId, role.Name))).ConfigureAwait(false);
            account.Roles.TryRemove(role.Name, out _);
            return Empty.Instance;
        });

    public override ValueTask<Empty> TagRoleAsync(RequestContext context, TagRoleRequest request, CancellationToken ct)
    {
        CheckDistinctTagKeys(request.Tags);
        return UpdateRoleRecord(context, request.RoleName, r => r.Tags = MergeTags(r.Tags, request.Tags));
    }

    public override ValueTask<Empty> UntagRoleAsync(RequestContext context, UntagRoleRequest request, CancellationToken ct) =>
        UpdateRoleRecord(context, request.RoleName, r => r.Tags = r.Tags.Where(t => !(request.TagKeys ?? []).Contains(t.Key, StringComparer.OrdinalIgnoreCase)).ToList());

    public override ValueTask<ListRoleTagsResponse> ListRoleTagsAsync(RequestContext context, ListRoleTagsRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var role = RequireRole(_state.Account(context.AccountId), request.RoleName);
            var (items, truncated, marker) = Page(role.Tags, t => t.Key.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListRoleTagsResponse
            {
                Tags = items.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    private static async ValueTask<T> Then<T>(ValueTask<Empty> first, Func<T> next)
    {
        await first.ConfigureAwait(false);
        return next();
    }
}
