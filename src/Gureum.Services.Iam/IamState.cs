using System.Collections.Concurrent;
using System.Text.Json;
using Gureum.Storage;

namespace Gureum.Services.Iam;

internal sealed record KeyEntry(string Account, AccessKeyRecord Key, Gureum.Core.DirectoryCredential Credential);

/// <summary>One account's IAM entities, case-insensitive names as in IAM.</summary>
internal sealed class AccountState
{
    // Concurrent maps: STS and the credential resolver read them without IAM's write gate.
    public ConcurrentDictionary<string, UserRecord> Users { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentDictionary<string, GroupRecord> Groups { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentDictionary<string, RoleRecord> Roles { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentDictionary<string, PolicyRecord> Policies { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentDictionary<string, AccessKeyRecord> Keys { get; } = new(StringComparer.Ordinal);
}

/// <summary>
/// IAM's private store: the whole of IAM lives in memory (it is small) and every change is committed
/// to table <c>iam</c> of the state store before it is acknowledged. Loaded in full at start-up.
/// IAM is global: keys are scoped by account only.
/// </summary>
internal sealed class IamState
{
    public const string Table = "iam";

    private readonly IStateStore _store;
    private readonly ConcurrentDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);

    /// <summary>Access key id → (account, key); read lock-free by the credential resolver.</summary>
    public ConcurrentDictionary<string, KeyEntry> KeyIndex { get; } = new(StringComparer.Ordinal);

    /// <summary>(Re)publishes a key to the credential index with its owner's current ARN and id.</summary>
    public void IndexKey(string account, AccessKeyRecord key)
    {
        if (Account(account).Users.TryGetValue(key.UserName, out var user))
        {
            KeyIndex[key.Id] = new KeyEntry(account, key, new Gureum.Core.DirectoryCredential(key.Id, key.Secret, account,
                $"arn:aws:iam::{account}:user{user.Path}{user.Name}", user.Id, null, null, key.Status == "Active"));
        }
    }

    public IamState(IStateStore store) => _store = store;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public AccountState Account(string accountId) => _accounts.GetOrAdd(accountId, _ => new AccountState());

    public void Clear()
    {
        _accounts.Clear();
        KeyIndex.Clear();
    }

    public async Task LoadAsync(CancellationToken ct = default)
    {
        await foreach (var (key, value) in _store.ScanAsync(Table, ScanRange.All, ct).ConfigureAwait(false))
        {
            var parts = key.Split('/', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            var account = Account(parts[0]);
            switch (parts[1])
            {
                case "user":
                    var user = JsonSerializer.Deserialize(value, IamJson.Default.UserRecord)!;
                    account.Users[user.Name] = user;
                    break;
                case "group":
                    var group = JsonSerializer.Deserialize(value, IamJson.Default.GroupRecord)!;
                    account.Groups[group.Name] = group;
                    break;
                case "role":
                    var role = JsonSerializer.Deserialize(value, IamJson.Default.RoleRecord)!;
                    account.Roles[role.Name] = role;
                    break;
                case "policy":
                    var policy = JsonSerializer.Deserialize(value, IamJson.Default.PolicyRecord)!;
                    account.Policies[policy.Name] = policy;
                    break;
                case "key":
                    var accessKey = JsonSerializer.Deserialize(value, IamJson.Default.AccessKeyRecord)!;
                    account.Keys[accessKey.Id] = accessKey;
                    break;
            }
        }
        foreach (var (accountId, account) in _accounts)
        {
            foreach (var key in account.Keys.Values)
            {
                IndexKey(accountId, key);
            }
        }
    }

    public static string UserKey(string account, string name) => $"{account}/user/{name.ToLowerInvariant()}";
    public static string GroupKey(string account, string name) => $"{account}/group/{name.ToLowerInvariant()}";
    public static string RoleKey(string account, string name) => $"{account}/role/{name.ToLowerInvariant()}";
    public static string PolicyKey(string account, string name) => $"{account}/policy/{name.ToLowerInvariant()}";
    public static string AccessKeyKey(string account, string id) => $"{account}/key/{id}";

    public static void Put(WriteBatch batch, string account, UserRecord user) =>
        batch.Put(Table, UserKey(account, user.Name), JsonSerializer.SerializeToUtf8Bytes(user, IamJson.Default.UserRecord));

    public static void Put(WriteBatch batch, string account, GroupRecord group) =>
        batch.Put(Table, GroupKey(account, group.Name), JsonSerializer.SerializeToUtf8Bytes(group, IamJson.Default.GroupRecord));

    public static void Put(WriteBatch batch, string account, RoleRecord role) =>
        batch.Put(Table, RoleKey(account, role.Name), JsonSerializer.SerializeToUtf8Bytes(role, IamJson.Default.RoleRecord));

    public static void Put(WriteBatch batch, string account, PolicyRecord policy) =>
        batch.Put(Table, PolicyKey(account, policy.Name), JsonSerializer.SerializeToUtf8Bytes(policy, IamJson.Default.PolicyRecord));

    public static void Put(WriteBatch batch, string account, AccessKeyRecord key) =>
        batch.Put(Table, AccessKeyKey(account, key.Id), JsonSerializer.SerializeToUtf8Bytes(key, IamJson.Default.AccessKeyRecord));

    public async ValueTask CommitAsync(WriteBatch batch, CancellationToken ct)
    {
        if (!await _store.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false))
        {
            throw new InvalidOperationException("IAM commit rejected a precondition it does not use.");
        }
    }
}
