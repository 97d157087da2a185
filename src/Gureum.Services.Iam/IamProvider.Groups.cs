using Gureum.Api.Iam;
using Gureum.Core;

namespace Gureum.Services.Iam;

public sealed partial class IamProvider
{
    private static Group GroupShape(string account, GroupRecord group) => new()
    {
        Path = group.Path, GroupName = group.Name, GroupId = group.Id, Arn = GroupArn(account, group), CreateDate = group.Created,
    };

    public override ValueTask<CreateGroupResponse> CreateGroupAsync(RequestContext context, CreateGroupRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var name = request.GroupName!;
            if (account.Groups.ContainsKey(name))
            {
                throw new EntityAlreadyExistsException($"Group with name {name} already exists.");
            }
            var group = new GroupRecord { Name = name, Path = NormalizePath(request.Path), Id = IamIds.UniqueId("AGPA"), Created = Now() };
            await Commit(b => IamState.Put(b, context.AccountId, group)).ConfigureAwait(false);
            account.Groups[name] = group;
            return new CreateGroupResponse { Group = GroupShape(context.AccountId, group) };
        });

    public override ValueTask<GetGroupResponse> GetGroupAsync(RequestContext context, GetGroupRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var group = RequireGroup(account, request.GroupName);
            var members = group.Members.Select(m => account.Users.GetValueOrDefault(m)).Where(u => u is not null).Select(u => u!);
            var (items, truncated, marker) = Page(SortedByName(members, u => u.Name), u => u.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new GetGroupResponse
            {
                Group = GroupShape(context.AccountId, group),
                Users = items.Select(u => UserShape(context.AccountId, u, withTags: false)).ToList(),
                IsTruncated = truncated,
                Marker = marker,
            };
        });

    public override ValueTask<ListGroupsResponse> ListGroupsAsync(RequestContext context, ListGroupsRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var (items, truncated, marker) = Page(
                SortedByName(account.Groups.Values.Where(g => PathMatches(g.Path, request.PathPrefix)), g => g.Name),
                g => g.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListGroupsResponse { Groups = items.Select(g => GroupShape(context.AccountId, g)).ToList(), IsTruncated = truncated, Marker = marker };
        });

    public override ValueTask<ListGroupsForUserResponse> ListGroupsForUserAsync(RequestContext context, ListGroupsForUserRequest request, CancellationToken ct) =>
        Locked(() =>
        {
            var account = _state.Account(context.AccountId);
            var user = RequireUser(account, request.UserName);
            var (items, truncated, marker) = Page(
                SortedByName(account.Groups.Values.Where(g => g.Members.Contains(user.Name, StringComparer.OrdinalIgnoreCase)), g => g.Name),
                g => g.Name.ToLowerInvariant(), request.Marker, request.MaxItems);
            return new ListGroupsForUserResponse { Groups = items.Select(g => GroupShape(context.AccountId, g)).ToList(), IsTruncated = truncated, Marker = marker };
        });

    private ValueTask<Empty> UpdateGroupRecord(RequestContext context, string? groupName, Action<AccountState, GroupRecord> change) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var group = RequireGroup(account, groupName);
            var updated = Clone(group);
            change(account, updated);
            await Commit(b => IamState.Put(b, context.AccountId, updated)).ConfigureAwait(false);
            account.Groups[group.Name] = updated;
            return Empty.Instance;
        });

    public override ValueTask<Empty> AddUserToGroupAsync(RequestContext context, AddUserToGroupRequest request, CancellationToken ct) =>
        UpdateGroupRecord(context, request.GroupName, (account, group) =>
        {
            var user = RequireUser(account, request.UserName);
            if (!group.Members.Contains(user.Name, StringComparer.OrdinalIgnoreCase))
            {
                group.Members.Add(user.Name);
            }
        });

    public override ValueTask<Empty> RemoveUserFromGroupAsync(RequestContext context, RemoveUserFromGroupRequest request, CancellationToken ct) =>
        UpdateGroupRecord(context, request.GroupName, (account, group) =>
        {
            var user = RequireUser(account, request.UserName);
            if (group.Members.RemoveAll(m => string.Equals(m, user.Name, StringComparison.OrdinalIgnoreCase)) == 0)
            {
                throw new NoSuchEntityException($"User {user.Name} is not in group {group.Name}.");
            }
        });

    public override ValueTask<Empty> DeleteGroupAsync(RequestContext context, DeleteGroupRequest request, CancellationToken ct) =>
        LockedAsync(async () =>
        {
            var account = _state.Account(context.AccountId);
            var group = RequireGroup(account, request.GroupName);
            if (group.Members.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must remove users from group first.");
            }
            if (group.Inline.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must delete policies first.");
            }
            if (group.Attached.Count > 0)
            {
                throw new DeleteConflictException("Cannot delete entity, must detach all policies first.");
            }
            await Commit(b => b.Delete(IamState.Table, IamState.GroupKey(context.AccountId, group.Name))).ConfigureAwait(false);
            account.Groups.TryRemove(group.Name, out _);
            return Empty.Instance;
        });
}
