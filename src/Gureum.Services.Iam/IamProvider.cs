using System.Text;
using Gureum.Api.Iam;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Iam;

/// <summary>
/// AWS IAM: users, access keys, groups, roles, managed and inline policies, attachments and tags.
/// IAM is global, so state is scoped by account only. The provider is also the credential directory
/// for the access keys it issues: a key authenticates signed requests as soon as CreateAccessKey returns.
/// </summary>
public sealed partial class IamProvider : IamServiceBase, ICredentialDirectory, IResettable
{
    private const int MaxKeysPerUser = 2;
    private const int MaxPolicyVersions = 5;
    private const int MaxTags = 50;

    private readonly IamState _state;
    private readonly TimeProvider _clock;

    public IamProvider(IStateStore store, TimeProvider clock)
    {
        _state = new IamState(store);
        _clock = clock;
        // Start-up only: rebuild the in-memory view (and the credential index) from the durable store.
        _state.LoadAsync().GetAwaiter().GetResult();
    }

    // ---------------------------------------------------------------- credential directory

    public DirectoryCredential? FindCredential(string accessKeyId)
    {
        return _state.KeyIndex.TryGetValue(accessKeyId, out var entry) ? entry.Credential : null;
    }

    public void RecordUse(string accessKeyId, string service, string region, DateTimeOffset when)
    {
        if (_state.KeyIndex.TryGetValue(accessKeyId, out var entry))
        {
            // Last-used data is kept in memory and written with the key's next change (AWS itself reports it with a lag).
            entry.Key.LastUsed = when;
            entry.Key.LastUsedService = service;
            entry.Key.LastUsedRegion = region;
        }
    }

    public ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        _state.Clear();
        return ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- lookups for STS

    /// <summary>A role as STS needs it, or null when the account has no such role.</summary>
    public IamRoleInfo? FindRole(string accountId, string roleName)
    {
        var role = _state.Account(accountId).Roles.GetValueOrDefault(roleName);
        return role is null ? null : new IamRoleInfo(RoleArn(accountId, role), role.Name, role.Id, role.Path, role.TrustPolicy, role.MaxSessionDuration);
    }

    /// <summary>The user that owns a long-lived access key, or null.</summary>
    public IamUserInfo? FindUserByAccessKey(string accessKeyId)
    {
        if (!_state.KeyIndex.TryGetValue(accessKeyId, out var entry))
        {
            return null;
        }
        var user = _state.Account(entry.Account).Users.GetValueOrDefault(entry.Key.UserName);
        return user is null ? null : new IamUserInfo(UserArn(entry.Account, user), user.Name, user.Id, entry.Account);
    }

    /// <summary>Records that a role was assumed (GetRole's RoleLastUsed).</summary>
    public void NoteRoleUsed(string accountId, string roleName, DateTimeOffset when, string region)
    {
        if (_state.Account(accountId).Roles.GetValueOrDefault(roleName) is { } role)
        {
            role.LastUsed = when;
            role.LastUsedRegion = region;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static string UserArn(string account, UserRecord user) => $"arn:aws:iam::{account}:user{user.Path}{user.Name}";
    private static string GroupArn(string account, GroupRecord group) => $"arn:aws:iam::{account}:group{group.Path}{group.Name}";
    private static string RoleArn(string account, RoleRecord role) => $"arn:aws:iam::{account}:role{role.Path}{role.Name}";
    private static string PolicyArn(string account, PolicyRecord policy) => $"arn:aws:iam::{account}:policy{policy.Path}{policy.Name}";

    private async ValueTask<T> LockedAsync<T>(Func<ValueTask<T>> action)
    {
        await _state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _state.Gate.Release();
        }
    }

    private async ValueTask<T> Locked<T>(Func<T> action)
    {
        await _state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            return action();
        }
        finally
        {
            _state.Gate.Release();
        }
    }

    private ValueTask Commit(Action<WriteBatch> fill)
    {
        var batch = new WriteBatch();
        fill(batch);
        return _state.CommitAsync(batch, CancellationToken.None);
    }

    private DateTimeOffset Now() => TruncateToSeconds(_clock.GetUtcNow());

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static UserRecord RequireUser(AccountState account, string? name) =>
        account.Users.GetValueOrDefault(name ?? "") ?? throw new NoSuchEntityException($"The user with name {name} cannot be found.");

    private static GroupRecord RequireGroup(AccountState account, string? name) =>
        account.Groups.GetValueOrDefault(name ?? "") ?? throw new NoSuchEntityException($"The group with name {name} cannot be found.");

    private static RoleRecord RequireRole(AccountState account, string? name) =>
        account.Roles.GetValueOrDefault(name ?? "") ?? throw new NoSuchEntityException($"The role with name {name} cannot be found.");

    private static string NormalizePath(string? path) => string.IsNullOrEmpty(path) ? "/" : path;

    private static List<TagRecord> MergeTags(List<TagRecord> existing, List<Tag>? added)
    {
        var result = existing.Select(t => new TagRecord { Key = t.Key, Value = t.Value }).ToList();
        foreach (var tag in added ?? [])
        {
            var key = tag.Key ?? "";
            var index = result.FindIndex(t => string.Equals(t.Key, key, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                result[index] = new TagRecord { Key = key, Value = tag.Value ?? "" };
            }
            else
            {
                result.Add(new TagRecord { Key = key, Value = tag.Value ?? "" });
            }
        }
        if (result.Count > MaxTags)
        {
            throw new LimitExceededException($"Cannot exceed quota for TagsPerEntity: {MaxTags}");
        }
        return result;
    }

    private static void CheckDistinctTagKeys(List<Tag>? tags)
    {
        if (tags is null)
        {
            return;
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var tag in tags)
        {
            if (!seen.Add(tag.Key ?? ""))
            {
                throw new InvalidInputException("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
            }
        }
    }

    private static List<Tag>? TagList(List<TagRecord> tags) =>
        tags.Count == 0 ? null : tags.Select(t => new Tag { Key = t.Key, Value = t.Value }).ToList();

    /// <summary>Marker-based pagination over a sorted list; the marker is the opaque key of the next item.</summary>
    private static (List<T> Items, bool Truncated, string? Marker) Page<T>(IEnumerable<T> sorted, Func<T, string> key, string? marker, int? maxItems)
    {
        var limit = maxItems ?? 100;
        var start = marker is null ? null : DecodeMarker(marker);
        var items = new List<T>();
        string? next = null;
        foreach (var item in sorted)
        {
            var k = key(item);
            if (start is not null && string.CompareOrdinal(k, start) < 0)
            {
                continue;
            }
            if (items.Count == limit)
            {
                next = EncodeMarker(k);
                break;
            }
            items.Add(item);
        }
        return (items, next is not null, next);
    }

    private static string EncodeMarker(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key));

    private static string DecodeMarker(string marker)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(marker));
        }
        catch (FormatException)
        {
            throw new AwsServiceException("ValidationError", "Invalid Marker.", 400);
        }
    }

    private static IEnumerable<T> SortedByName<T>(IEnumerable<T> items, Func<T, string> name) =>
        items.OrderBy(name, StringComparer.OrdinalIgnoreCase);

    private static bool PathMatches(string path, string? prefix) =>
        string.IsNullOrEmpty(prefix) || path.StartsWith(prefix, StringComparison.Ordinal);
}

/// <summary>A role as STS sees it.</summary>
public sealed record IamRoleInfo(string Arn, string Name, string RoleId, string Path, string TrustPolicy, int MaxSessionDuration);

/// <summary>A user as STS sees it.</summary>
public sealed record IamUserInfo(string Arn, string Name, string UserId, string AccountId);
