using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gureum.Auth;
using Gureum.Core;

namespace Gureum.Server.Pipeline;

/// <summary>
/// The identities whose secrets Gureum knows: the default <c>test</c>/<c>test</c> key of the
/// default account, plus any declared in the credentials file:
/// <c>[{"accessKeyId":..., "secretAccessKey":..., "accountId":..., "principalArn":..., "sessionToken":...}]</c>.
/// </summary>
public sealed class CredentialStore : ICredentialResolver
{
    private readonly Dictionary<string, SigningIdentity> _identities = new(StringComparer.Ordinal);

    private readonly List<ICredentialDirectory> _directories = [];
    private readonly TimeProvider _clock;

    public CredentialStore(string defaultAccount, string? credentialsFile, TimeProvider? clock = null)
    {
        DefaultAccount = defaultAccount;
        _clock = clock ?? TimeProvider.System;
        _identities["test"] = new SigningIdentity("test", "test", defaultAccount, null, null);
        if (credentialsFile is not null)
        {
            LoadFile(credentialsFile);
        }
    }

    public string DefaultAccount { get; }

    /// <summary>Adds a service's credential directory (IAM access keys, STS sessions), consulted after the built-in identities.</summary>
    public void AddDirectory(ICredentialDirectory directory) => _directories.Add(directory);

    public SigningIdentity? Find(string accessKeyId)
    {
        if (_identities.TryGetValue(accessKeyId, out var builtIn))
        {
            return builtIn;
        }
        foreach (var directory in _directories)
        {
            if (directory.FindCredential(accessKeyId) is not { } credential)
            {
                continue;
            }
            return new SigningIdentity(credential.AccessKeyId, credential.SecretAccessKey, credential.AccountId,
                credential.PrincipalArn, credential.SessionToken)
            {
                UserId = credential.UserId,
                RequiresSessionToken = credential.SessionToken is not null,
                Rejection = !credential.Active ? AuthFailureKind.InvalidAccessKeyId
                    : credential.Expiration is { } expiration && _clock.GetUtcNow() >= expiration ? AuthFailureKind.ExpiredToken
                    : null,
            };
        }
        return null;
    }

    /// <summary>Tells the issuing directory that one of its keys authenticated a request (access key last used).</summary>
    public void RecordUse(string accessKeyId, string service, string region, DateTimeOffset when)
    {
        if (_identities.ContainsKey(accessKeyId))
        {
            return;
        }
        foreach (var directory in _directories)
        {
            directory.RecordUse(accessKeyId, service, region, when);
        }
    }

    private void LoadFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        foreach (var row in document.RootElement.EnumerateArray())
        {
            string? Read(string name) => row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var key = Read("accessKeyId") ?? throw new ArgumentException($"{path}: an identity has no accessKeyId");
            var secret = Read("secretAccessKey") ?? throw new ArgumentException($"{path}: identity {key} has no secretAccessKey");
            var account = Read("accountId") ?? DefaultAccount;
            _identities[key] = new SigningIdentity(key, secret, account, Read("principalArn"), Read("sessionToken"));
        }
    }

    /// <summary>The caller as services and the audit trail see it.</summary>
    public static CallerIdentity Caller(AuthResult auth, string defaultAccount)
    {
        if (auth.IsAnonymous)
        {
            return new CallerIdentity("", defaultAccount, "", "anonymous", "Anonymous", null);
        }
        var account = auth.AccountId.Length > 0 ? auth.AccountId : defaultAccount;
        var arn = auth.PrincipalArn ?? $"arn:aws:iam::{account}:root";
        var type = arn.Contains(":assumed-role/", StringComparison.Ordinal) ? "AssumedRole"
            : arn.Contains(":federated-user/", StringComparison.Ordinal) ? "FederatedUser"
            : arn.Contains(":user/", StringComparison.Ordinal) ? "IAMUser"
            : arn.EndsWith(":root", StringComparison.Ordinal) ? "Root" : "IAMUser";
        var userId = auth.UserId ?? type switch
        {
            "Root" => account,
            "AssumedRole" => "AROA" + StableId(arn) + ":" + arn[(arn.LastIndexOf('/') + 1)..],
            _ => "AIDA" + StableId(arn),
        };
        return new CallerIdentity(auth.AccessKeyId, account, arn, userId, type, auth.SessionToken);
    }

    /// <summary>A stable 17-character upper-case id derived from the ARN, like IAM's unique ids.</summary>
    private static string StableId(string arn)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(arn));
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var builder = new StringBuilder(17);
        for (var i = 0; i < 17; i++)
        {
            builder.Append(alphabet[hash[i] % alphabet.Length]);
        }
        return builder.ToString();
    }
}
