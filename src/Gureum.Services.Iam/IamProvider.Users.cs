using Gureum.Api.Iam;
using Gureum.Core;

namespace Gureum.Services.Iam;

public sealed partial class IamProvider
{
    private User UserShape(string account, UserRecord user, bool withTags) => new()
    {
        Path = user.Path,
        UserName = user.Name,
        UserId = user.Id,
        Arn = UserArn(account, user),
        CreateDate = user.Created,
        PermissionsBoundary = user.Boundary is null ? null : new AttachedPermissionsBoundary
        {
            PermissionsBoundaryType = "PermissionsBoundaryPolicy", PermissionsBoundaryArn = user.Boundary,
        },
        Tags = withTags ? TagList(user.Tags) : null,
    };

    public override ValueTask<CreateUserResponse> CreateUserAsync(RequestContext context, CreateUserRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var name = request.UserName!;
            if (account.Users.ContainsKey(name))
            {
                throw new EntityAlreadyExistsException($"User with name {name} already exists.");
            }
            CheckDistinctTagKeys(request.Tags);
            var user = new UserRecord
            {
                Name = name,
                Path = NormalizePath(request.Path),
                Id = IamIds.UniqueId("AIDA"),
                Created = Now(),
                Boundary = request.PermissionsBoundary is null ? null : RequireAttachablePolicy(context.AccountId, request.PermissionsBoundary),
                Tags = MergeTags([], request.Tags),
            };
            await Commit(b => IamState.Put(b, context.AccountId, user)).ConfigureAwait(false);
            account.Users[name] = user;
            return new CreateUserResponse { User = UserShape(context.AccountId, user, withTags: true) };
        });

    public override ValueTask<GetUserResponse> GetUserAsync(RequestContext context, GetUserRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            if (request.UserName is null)
            {
                var caller = context.Caller;
                if (caller.Type == "Root" || caller.Arn.EndsWith(":root", StringComparison.Ordinal))
                {
                    return new GetUserResponse
                    {
                        User = new User { UserId = context.AccountId, Arn = $"arn:aws:iam::{context.AccountId}:root", CreateDate = DateTimeOffset.UnixEpoch, Path = null },
                    };
                }
                if (caller.Type != "IAMUser")
                {
                    throw new AwsServiceException("ValidationError", "Must specify userName when calling with non-User credentials", 400);
                }
                var name = caller.Arn[(caller.Arn.LastIndexOf('/') + 1)..];
                return new GetUserResponse { User = UserShape(context.AccountId, RequireUser(account, name), withTags: true) };
            }
            return new GetUserResponse { User = UserShape(context.AccountId, RequireUser(account, request.UserName), withTags: true) };
        });

    public override ValueTask<ListUsersResponse> ListUsersAsync(RequestContext context, ListUsersRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var (items, truncated, marker) = Page(
                SortedByName(account.Users.Values.Where(u => PathMatches(u.Path, request.PathPrefix)), u => u.Name),
                u => u.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListUsersResponse
            {
                Users = items.Select(u => UserShape(context.AccountId, u, withTags: false)).ToList(),
                IsTruncated = truncated,
                Marker = marker,
            };
        });

    public override ValueTask<Empty> UpdateUserAsync(RequestContext context, UpdateUserRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var accountId = context.AccountId;
            var account = _state.Account(accountId);
            var user = RequireUser(account, request.UserName);
            var newName = request.NewUserName ?? user.Name;
            if (!string.Equals(newName, user.Name, StringComparison.OrdinalIgnoreCase) && account.Users.ContainsKey(newName))
            {
                throw new EntityAlreadyExistsException($"User with name {newName} already exists.");
            }
            var oldName = user.Name;
            var updated = Clone(user);
            updated.Name = newName;
            updated.Path = request.NewPath ?? user.Path;
            var keys = account.Keys.Values.Where(k => string.Equals(k.UserName, oldName, StringComparison.OrdinalIgnoreCase)).ToList();
            var groups = account.Groups.Values.Where(g => g.Members.Contains(oldName, StringComparer.OrdinalIgnoreCase)).ToList();
            await Commit(b =>
            {
                b.Delete(IamState.Table, IamState.UserKey(accountId, oldName));
                IamState.Put(b, accountId, updated);
                foreach (var key in keys)
                {
                    IamState.Put(b, accountId, new AccessKeyRecord
                    {
                        Id = key.Id, Secret = key.Secret, UserName = newName, Status = key.Status, Created = key.Created,
                        LastUsed = key.LastUsed, LastUsedRegion = key.LastUsedRegion, LastUsedService = key.LastUsedService,
                    });
                }
                foreach (var group in groups)
                {
                    var copy = Clone(group);
                    copy.Members = copy.Members.Select(m => string.Equals(m, oldName, StringComparison.OrdinalIgnoreCase) ? newName : m).ToList();
                    IamState.Put(b, accountId, copy);
                }
            }).ConfigureAwait(false);
            account.Users.TryRemove(oldName, out _);
            account.Users[newName] = updated;
            foreach (var key in keys)
            {
                key.UserName = newName;
                _state.IndexKey(accountId, key);
            }
            foreach (var group in groups)
            {
                group.Members = group.Members.Select(m => string.Equals(m, oldName, StringComparison.OrdinalIgnoreCase) ? newName : m).ToList();
            }
            return Empty.Instance;
        });

    public override ValueTask<Empty> DeleteUserAsync(RequestContext context, DeleteUserRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, request.UserName);
            if (account.Keys.Values.Any(k => string.Equals(k.UserName, user.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new DeleteConflictException("Cannot delete entity, must delete access keys first.");
            }
            if (user.Inline.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must delete policies first.");
            }
            if (user.Attached.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must detach all policies first.");
            }
            if (account.Groups.Values.Any(g => g.Members.Contains(user.Name, StringComparer.OrdinalIgnoreCase)))
            {
                throw new DeleteConflictException("Cannot delete entity, must remove users from group first.");
            }
            await Commit(b => b.Delete(IamState.Table, IamState.UserKey(context.AccountId, user.Name))).ConfigureAwait(false);
            account.Users.TryRemove(user.Name, out _);
            return Empty.Instance;
        });

    // ---------------------------------------------------------------- access keys

    private static string KeyOwner(RequestContext context, string? userName)
    {
        if (userName is not null)
        {
            return userName;
        }
        var caller = context.Caller;
        if (caller.Type == "IAMUser")
        {
            return caller.Arn[(caller.Arn.LastIndexOf('/') + 1)..];
        }
        // Root credentials manage root keys, which Gureum does not model.
        throw new AwsServiceException("ValidationError", "Must specify userName when calling with non-User credentials", 400);
    }

    public override ValueTask<CreateAccessKeyResponse> CreateAccessKeyAsync(RequestContext context, CreateAccessKeyRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, KeyOwner(context, request.UserName));
            if (account.Keys.Values.Count(k => string.Equals(k.UserName, user.Name, StringComparison.OrdinalIgnoreCase)) >= MaxKeysPerUser)
            {
                throw new LimitExceededException($"Cannot exceed quota for AccessKeysPerUser: {MaxKeysPerUser}");
            }
            var key = new AccessKeyRecord
            {
                Id = IamIds.AccessKeyId("AKIA", context.AccountId),
                Secret = IamIds.Secret(),
                UserName = user.Name,
                Status = StatusType.Active,
                Created = Now(),
            };
            await Commit(b => IamState.Put(b, context.AccountId, key)).ConfigureAwait(false);
            account.Keys[key.Id] = key;
            _state.IndexKey(context.AccountId, key);
            return new CreateAccessKeyResponse
            {
                AccessKey = new AccessKey
                {
                    UserName = user.Name, AccessKeyId = key.Id, Status = key.Status, SecretAccessKey = key.Secret, CreateDate = key.Created,
                },
            };
        });

    public override ValueTask<ListAccessKeysResponse> ListAccessKeysAsync(RequestContext context, ListAccessKeysRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, KeyOwner(context, request.UserName));
            var (items, truncated, marker) = Page(
                account.Keys.Values.Where(k => string.Equals(k.UserName, user.Name, StringComparison.OrdinalIgnoreCase))
                    .OrderBy(k => k.Created).ThenBy(k => k.Id, StringComparer.Ordinal),
                k => k.Created.UtcTicks.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + k.Id, request.Marker, request.MaxItems);
            return new ListAccessKeysResponse
            {
                AccessKeyMetadata = items.Select(k => new AccessKeyMetadata
                {
                    UserName = user.Name, AccessKeyId = k.Id, Status = k.Status, CreateDate = k.Created,
                }).ToList(),
                IsTruncated = truncated,
                Marker = marker,
            };
        });

    private static AccessKeyRecord RequireKey(AccountState account, UserRecord user, string? keyId)
    {
        if (keyId is null || !account.Keys.TryGetValue(keyId, out var key) || !string.Equals(key.UserName, user.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new NoSuchEntityException($"The Access Key with id {keyId} cannot be found.");
        }
        return key;
    }

    public override ValueTask<Empty> UpdateAccessKeyAsync(RequestContext context, UpdateAccessKeyRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, KeyOwner(context, request.UserName));
            var key = RequireKey(account, user, request.AccessKeyId);
            if (request.Status is not (StatusType.Active or StatusType.Inactive))
            {
                throw new AwsServiceException("ValidationError",
                    $"1 validation error detected: Value '{request.Status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", 400);
            }
            var updated = new AccessKeyRecord
            {
                Id = key.Id, Secret = key.Secret, UserName = key.UserName, Status = request.Status, Created = key.Created,
                LastUsed = key.LastUsed, LastUsedService = key.LastUsedService, LastUsedRegion = key.LastUsedRegion,
            };
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            account.Keys[key.Id] = updated;
            _state.IndexKey(context.AccountId, updated);
            return Empty.Instance;
        });

    public override ValueTask<Empty> DeleteAccessKeyAsync(RequestContext context, DeleteAccessKeyRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, KeyOwner(context, request.UserName));
            var key = RequireKey(account, user, request.AccessKeyId);
            await Commit(b => b.Delete(IamState.Table, IamState.AccessKeyKey(context.AccountId, key.Id))).ConfigureAwait(false);
            account.Keys.TryRemove(key.Id, out _);
            _state.KeyIndex.TryRemove(key.Id, out _);
            return Empty.Instance;
        });

    public override ValueTask<GetAccessKeyLastUsedResponse> GetAccessKeyLastUsedAsync(RequestContext context, GetAccessKeyLastUsedRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            if (request.AccessKeyId is null || !account.Keys.TryGetValue(request.AccessKeyId, out var key))
            {
                throw new AwsServiceException("AccessDenied",
                    $"User: {context.Caller.Arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key {request.AccessKeyId}", 403);
            }
            return new GetAccessKeyLastUsedResponse
            {
                UserName = key.UserName,
                AccessKeyLastUsed = key.LastUsed is null
                    ? new AccessKeyLastUsed { ServiceName = "N/A", Region = "N/A" }
                    : new AccessKeyLastUsed { LastUsedDate = TruncateToSeconds(key.LastUsed.Value), ServiceName = key.LastUsedService, Region = key.LastUsedRegion },
            };
        });

    // ---------------------------------------------------------------- tags

    public override ValueTask<Empty> TagUserAsync(RequestContext context, TagUserRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var user = RequireUser(_state.Account(context.AccountId), request.UserName);
            CheckDistinctTagKeys(request.Tags);
            var updated = Clone(user);
            updated.Tags = MergeTags(user.Tags, request.Tags);
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            user.Tags = updated.Tags;
            return Empty.Instance;
        });

    public override ValueTask<Empty> UntagUserAsync(RequestContext context, UntagUserRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var user = RequireUser(_state.Account(context.AccountId), request.UserName);
            var updated = Clone(user);
            updated.Tags = user.Tags.Where(t => !(request.TagKeys ?? []).Contains(t.Key, StringComparer.OrdinalIgnoreCase)).ToList();
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            user.Tags = updated.Tags;
            return Empty.Instance;
        });

    public override ValueTask<ListUserTagsResponse> ListUserTagsAsync(RequestContext context, ListUserTagsRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var user = RequireUser(_state.Account(context.AccountId), request.UserName);
            var (items, truncated, marker) = Page(user.Tags, t => t.Key.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListUserTagsResponse
            {
                Tags = items.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList(), IsTruncated = truncated, Marker = marker,
            };
        });

    private static UserRecord Clone(UserRecord u) => new()
    {
        Name = u.Name, Path = u.Path, Id = u.Id, Created = u.Created, Boundary = u.Boundary,
        Tags = [.. u.Tags], Inline = new(u.Inline, StringComparer.Ordinal), Attached = [.. u.Attached],
    };

    private static GroupRecord Clone(GroupRecord g) => new()
    {
        Name = g.Name, Path = g.Path, Id = g.Id, Created = g.Created,
        Inline = new(g.Inline, StringComparer.Ordinal), Attached = [.. g.Attached], Members = [.. g.Members],
    };

    private static RoleRecord Clone(RoleRecord r) => new()
    {
        Name = r.Name, Path = r.Path, Id = r.Id, Created = r.Created, TrustPolicy = r.TrustPolicy, Description = r.Description,
        MaxSessionDuration = r.MaxSessionDuration, Boundary = r.Boundary, Tags = [.. r.Tags],
        Inline = new(r.Inline, StringComparer.Ordinal), Attached = [.. r.Attached], LastUsed = r.LastUsed, LastUsedRegion = r.LastUsedRegion,
    };

    private static PolicyRecord Clone(PolicyRecord p) => new()
    {
        Name = p.Name, Path = p.Path, Id = p.Id, Created = p.Created, Updated = p.Updated, Description = p.Description,
        DefaultVersion = p.DefaultVersion, NextVersion = p.NextVersion, Versions = [.. p.Versions], Tags = [.. p.Tags],
    };
}
