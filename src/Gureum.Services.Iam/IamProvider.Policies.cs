using Gureum.Api.Iam;
using Gureum.Core;

namespace Gureum.Services.Iam;

public sealed partial class IamProvider
{
    private const int ManagedPolicyQuota = 6144;

    private sealed record ResolvedPolicy(string Arn, string Owner, PolicyRecord Policy, bool AwsManaged);

    /// <summary>The managed policy an ARN names, seen from <paramref name="accountId"/>, or null.</summary>
    private ResolvedPolicy? ResolvePolicy(string accountId, string? arn)
    {
        if (arn is null)
        {
            return null;
        }
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].StartsWith("policy/", StringComparison.Ordinal))
        {
            throw new InvalidInputException($"ARN {arn} is not valid.");
        }
        if (parts[4] == "aws")
        {
            return AwsManagedPolicies.Find(arn) is { } managed ? new ResolvedPolicy(arn, "aws", managed, true) : null;
        }
        if (parts[4] != accountId)
        {
            return null;
        }
        var name = parts[5][(parts[5].LastIndexOf('/') + 1)..];
        var policy = _state.Account(accountId).Policies.GetValueOrDefault(name);
        return policy is not null && PolicyArn(accountId, policy) == arn ? new ResolvedPolicy(arn, accountId, policy, false) : null;
    }

    private ResolvedPolicy RequirePolicy(string accountId, string? arn) =>
        ResolvePolicy(accountId, arn) ?? throw new NoSuchEntityException($"Policy {arn} was not found.");

    private string RequireAttachablePolicy(string accountId, string? arn) =>
        ResolvePolicy(accountId, arn)?.Arn ?? throw new NoSuchEntityException($"Policy {arn} does not exist or is not attachable.");

    private ResolvedPolicy RequireOwnPolicy(string accountId, string? arn)
    {
        var policy = RequirePolicy(accountId, arn);
        if (policy.AwsManaged)
        {
            throw new AwsServiceException("AccessDenied", $"User is not authorized to modify AWS managed policy {arn}", 403);
        }
        return policy;
    }

    private int AttachmentCount(string accountId, string arn)
    {
        var account = _state.Account(accountId);
        return account.Users.Values.Count(u => u.Attached.Contains(arn))
            + account.Groups.Values.Count(g => g.Attached.Contains(arn))
            + account.Roles.Values.Count(r => r.Attached.Contains(arn));
    }

    private int BoundaryCount(string accountId, string arn)
    {
        var account = _state.Account(accountId);
        return account.Users.Values.Count(u => u.Boundary == arn) + account.Roles.Values.Count(r => r.Boundary == arn);
    }

    private Policy PolicyShape(string accountId, ResolvedPolicy resolved, bool withTags) => new()
    {
        PolicyName = resolved.Policy.Name,
        PolicyId = resolved.Policy.Id,
        Arn = resolved.Arn,
        Path = resolved.Policy.Path,
        DefaultVersionId = resolved.Policy.DefaultVersion,
        AttachmentCount = AttachmentCount(accountId, resolved.Arn),
        PermissionsBoundaryUsageCount = BoundaryCount(accountId, resolved.Arn),
        IsAttachable = true,
        Description = withTags ? resolved.Policy.Description : null,
        CreateDate = resolved.Policy.Created,
        UpdateDate = resolved.Policy.Updated,
        Tags = withTags ? TagList(resolved.Policy.Tags) : null,
    };

    private static PolicyVersion VersionShape(PolicyRecord policy, PolicyVersionRecord version, bool withDocument) => new()
    {
        Document = withDocument ? PolicyDocuments.Encode(version.Document) : null,
        VersionId = version.Id,
        IsDefaultVersion = version.Id == policy.DefaultVersion,
        CreateDate = version.Created,
    };

    public override ValueTask<CreatePolicyResponse> CreatePolicyAsync(RequestContext context, CreatePolicyRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var name = request.PolicyName!;
            if (account.Policies.ContainsKey(name))
            {
                throw new EntityAlreadyExistsException($"A policy called {name} already exists. Duplicate names are not allowed.");
            }
            PolicyDocuments.Validate(request.PolicyDocument!, PolicyDocuments.Kind.Identity);
            PolicyDocuments.CheckSize(request.PolicyDocument!, "PolicySize", ManagedPolicyQuota);
            CheckDistinctTagKeys(request.Tags);
            var now = Now();
            var policy = new PolicyRecord
            {
                Name = name,
                Path = NormalizePath(request.Path),
                Id = IamIds.UniqueId("ANPA"),
                Created = now,
                Updated = now,
                Description = request.Description,
                DefaultVersion = "v1",
                NextVersion = 2,
                Versions = [new PolicyVersionRecord { Id = "v1", Document = request.PolicyDocument!, Created = now }],
                Tags = MergeTags([], request.Tags),
            };
            await Commit(b => IamState.Put(b, context.AccountId, policy)).ConfigureAwait(false);
            account.Policies[name] = policy;
            var shape = PolicyShape(context.AccountId, new ResolvedPolicy(PolicyArn(context.AccountId, policy), context.AccountId, policy, false), withTags: true);
            return new CreatePolicyResponse { Policy = shape };
        });

    public override ValueTask<GetPolicyResponse> GetPolicyAsync(RequestContext context, GetPolicyRequest request, CancellationToken ct) =>
        Locked(() => new GetPolicyResponse { Policy = PolicyShape(context.AccountId, RequirePolicy(context.AccountId, request.PolicyArn), withTags: true) });

    public override ValueTask<GetPolicyVersionResponse> GetPolicyVersionAsync(RequestContext context, GetPolicyVersionRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var resolved = RequirePolicy(context.AccountId, request.PolicyArn);
            var version = resolved.Policy.Versions.Find(v => v.Id == request.VersionId)
                ?? throw new NoSuchEntityException($"Policy {request.PolicyArn} version {request.VersionId} does not exist or is not attachable.");
            return new GetPolicyVersionResponse { PolicyVersion = VersionShape(resolved.Policy, version, withDocument: true) };
        });

    public override ValueTask<ListPolicyVersionsResponse> ListPolicyVersionsAsync(RequestContext context, ListPolicyVersionsRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var resolved = RequirePolicy(context.AccountId, request.PolicyArn);
            var sorted = resolved.Policy.Versions.OrderByDescending(v => int.Parse(v.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture));
            var (items, truncated, marker) = Page(sorted, v => (int.MaxValue - int.Parse(v.Id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)).ToString("D10", System.Globalization.CultureInfo.InvariantCulture), request.Marker, request.MaxItems);
            return new ListPolicyVersionsResponse
            {
                Versions = items.Select(v => VersionShape(resolved.Policy, v, withDocument: false)).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    private ValueTask<T> UpdatePolicyRecord<T>(RequestContext context, string? arn, Func<PolicyRecord, T> change) =>
        LockedAsync(async () =>
        {
            var resolved = RequireOwnPolicy(context.AccountId, arn);
            var updated = Clone(resolved.Policy);
            var result = change(updated);
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            _state.Account(context.AccountId).Policies[updated.Name] = updated;
            return result;
        });

    public override ValueTask<CreatePolicyVersionResponse> CreatePolicyVersionAsync(RequestContext context, CreatePolicyVersionRequest request, CancellationToken ct)
    {
        PolicyDocuments.Validate(request.PolicyDocument!, PolicyDocuments.Kind.Identity);
        PolicyDocuments.CheckSize(request.PolicyDocument!, "PolicySize", ManagedPolicyQuota);
        return UpdatePolicyRecord(context, request.PolicyArn, policy =>
        {
            if (policy.Versions.Count >= MaxPolicyVersions)
            {
                throw new LimitExceededException(
                    $"A managed policy can have up to {MaxPolicyVersions} versions. Before you create a new version, you must delete an existing version.");
            }
            var version = new PolicyVersionRecord
            {
                Id = "v" + policy.NextVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Document = request.PolicyDocument!,
                Created = Now(),
            };
            policy.NextVersion++;
            policy.Versions.Add(version);
            if (request.SetAsDefault == true)
            {
                policy.DefaultVersion = version.Id;
                policy.Updated = version.Created;
            }
            return new CreatePolicyVersionResponse { PolicyVersion = VersionShape(policy, version, withDocument: false) };
        });
    }

    public override ValueTask<Empty> SetDefaultPolicyVersionAsync(RequestContext context, SetDefaultPolicyVersionRequest request, CancellationToken ct) =>
        UpdatePolicyRecord(context, request.PolicyArn, policy =>
        {
            if (!policy.Versions.Exists(v => v.Id == request.VersionId))
            {
                throw new NoSuchEntityException($"Policy {request.PolicyArn} version {request.VersionId} does not exist or is not attachable.");
            }
            policy.DefaultVersion = request.VersionId!;
            policy.Updated = Now();
            return Empty.Instance;
        });

    public override ValueTask<Empty> DeletePolicyVersionAsync(RequestContext context, DeletePolicyVersionRequest request, CancellationToken ct) =>
        UpdatePolicyRecord(context, request.PolicyArn, policy =>
        {
            if (!policy.Versions.Exists(v => v.Id == request.VersionId))
            {
                throw new NoSuchEntityException($"Policy {request.PolicyArn} version {request.VersionId} does not exist or is not attachable.");
            }
            if (policy.DefaultVersion == request.VersionId)
            {
                throw new DeleteConflictException("Cannot delete the default version of a policy.");
            }
            policy.Versions.RemoveAll(v => v.Id == request.VersionId);
            return Empty.Instance;
        });

    public override ValueTask<Empty> DeletePolicyAsync(RequestContext context, DeletePolicyRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var resolved = RequireOwnPolicy(context.AccountId, request.PolicyArn);
            if (AttachmentCount(context.AccountId, resolved.Arn) > 0 || BoundaryCount(context.AccountId, resolved.Arn) > 0)
            {
                throw new DeleteConflictException("Cannot delete a policy attached to entities.");
            }
            if (resolved.Policy.Versions.Count > 1)
            {
                throw new DeleteConflictException(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.");
            }
            await Commit(b => b.Delete(IamState.Table, IamState.PolicyKey(context.AccountId, resolved.Policy.Name))).ConfigureAwait(false);
            _state.Account(context.AccountId).Policies.TryRemove(resolved.Policy.Name, out _);
            return Empty.Instance;
        });

    public override ValueTask<ListPoliciesResponse> ListPoliciesAsync(RequestContext context, ListPoliciesRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var accountId = context.AccountId;
            var scope = request.Scope ?? PolicyScopeType.All;
            var candidates = new List<ResolvedPolicy>();
            if (scope is PolicyScopeType.All or PolicyScopeType.AWS)
            {
                candidates.AddRange(AwsManagedPolicies.All.Select(p => new ResolvedPolicy($"arn:aws:iam::aws:policy{p.Path}{p.Name}", "aws", p, true)));
            }
            if (scope is PolicyScopeType.All or PolicyScopeType.Local)
            {
                candidates.AddRange(_state.Account(accountId).Policies.Values.Select(p => new ResolvedPolicy(PolicyArn(accountId, p), accountId, p, false)));
            }
            var filtered = candidates
                .Where(p => PathMatches(p.Policy.Path, request.PathPrefix))
                .Where(p => request.OnlyAttached != true || AttachmentCount(accountId, p.Arn) > 0)
                .Where(p => request.PolicyUsageFilter != "PermissionsBoundary" || BoundaryCount(accountId, p.Arn) > 0)
                .OrderBy(p => p.Policy.Name, StringComparer.OrdinalIgnoreCase);
            var (items, truncated, marker) = Page(filtered, p => p.Policy.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListPoliciesResponse
            {
                Policies = items.Select(p => PolicyShape(accountId, p, withTags: false)).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    public override ValueTask<Empty> TagPolicyAsync(RequestContext context, TagPolicyRequest request, CancellationToken ct)
    {
        CheckDistinctTagKeys(request.Tags);
        return UpdatePolicyRecord(context, request.PolicyArn, p =>
        {
            p.Tags = MergeTags(p.Tags, request.Tags);
            return Empty.Instance;
        });
    }

    public override ValueTask<Empty> UntagPolicyAsync(RequestContext context, UntagPolicyRequest request, CancellationToken ct) =>
        UpdatePolicyRecord(context, request.PolicyArn, p =>
        {
            p.Tags = p.Tags.Where(t => !(request.TagKeys ?? []).Contains(t.Key, StringComparer.OrdinalIgnoreCase)).ToList();
            return Empty.Instance;
        });

    public override ValueTask<ListPolicyTagsResponse> ListPolicyTagsAsync(RequestContext context, ListPolicyTagsRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var resolved = RequirePolicy(context.AccountId, request.PolicyArn);
            var (items, truncated, marker) = Page(resolved.Policy.Tags, t => t.Key.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListPolicyTagsResponse
            {
                Tags = items.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    public override ValueTask<ListEntitiesForPolicyResponse> ListEntitiesForPolicyAsync(RequestContext context, ListEntitiesForPolicyRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var resolved = RequirePolicy(context.AccountId, request.PolicyArn);
            var account = _state.Account(context.AccountId);
            var filter = request.EntityFilter;
            bool Wants(string kind) => filter is null or "LocalManagedPolicy" or "AWSManagedPolicy" || filter == kind;
            return new ListEntitiesForPolicyResponse
            {
                PolicyUsers = Wants("User") ? SortedByName(account.Users.Values.Where(u => u.Attached.Contains(resolved.Arn) && PathMatches(u.Path, request.PathPrefix)), u => u.Name)
                    .Select(u => new PolicyUser { UserName = u.Name, UserId = u.Id }).ToList() : [],
                PolicyGroups = Wants("Group") ? SortedByName(account.Groups.Values.Where(g => g.Attached.Contains(resolved.Arn) && PathMatches(g.Path, request.PathPrefix)), g => g.Name)
                    .Select(g => new PolicyGroup { GroupName = g.Name, GroupId = g.Id }).ToList() : [],
                PolicyRoles = Wants("Role") ? SortedByName(account.Roles.Values.Where(r => r.Attached.Contains(resolved.Arn) && PathMatches(r.Path, request.PathPrefix)), r => r.Name)
                    .Select(r => new PolicyRole { RoleName = r.Name, RoleId = r.Id }).ToList() : [],
                IsTruncated = false,
            };
        });
}
