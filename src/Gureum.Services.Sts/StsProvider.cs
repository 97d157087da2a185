using System.Text;
using System.Text.Json;
using Gureum.Api.Sts;
using Gureum.Core;
using Gureum.Services.Iam;
using Gureum.Storage;

namespace Gureum.Services.Sts;

/// <summary>
/// AWS STS. GetCallerIdentity reports the authenticated principal exactly as AWS does. AssumeRole,
/// AssumeRoleWithWebIdentity, GetSessionToken and GetFederationToken mint temporary credentials
/// (ASIA… key, secret, session token) that are committed before they are returned and authenticate
/// later signed calls until they expire on the server's clock. The provider is the credential
/// directory for those sessions.
/// </summary>
public sealed class StsProvider : StsServiceBase, ICredentialDirectory, IResettable
{
    private const int DefaultRoleSeconds = 3600;
    private const int DefaultUserSessionSeconds = 43200;
    private const int RootMaxSeconds = 3600;
    private const int RoleChainingMaxSeconds = 3600;

    private readonly IamProvider? _iam;
    private readonly StsSessions? _sessions;
    private readonly TimeProvider _clock;

    /// <summary>GetCallerIdentity only (no credential minting).</summary>
    public StsProvider()
    {
        _clock = TimeProvider.System;
    }

    public StsProvider(IStateStore store, TimeProvider clock, IamProvider iam)
    {
        _iam = iam;
        _clock = clock;
        _sessions = new StsSessions(store);
        _sessions.LoadAsync(clock.GetUtcNow()).GetAwaiter().GetResult();
    }

    public DirectoryCredential? FindCredential(string accessKeyId) => _sessions?.Find(accessKeyId);

    public ValueTask ResetAsync(CancellationToken cancellationToken)
    {
        _sessions?.Clear();
        return ValueTask.CompletedTask;
    }

    public override ValueTask<GetCallerIdentityResponse> GetCallerIdentityAsync(
        RequestContext context, GetCallerIdentityRequest request, CancellationToken cancellationToken)
    {
        var caller = context.Caller;
        return ValueTask.FromResult(new GetCallerIdentityResponse
        {
            Account = caller.AccountId,
            Arn = caller.Arn,
            UserId = caller.UserId,
        });
    }

    public override ValueTask<GetAccessKeyInfoResponse> GetAccessKeyInfoAsync(RequestContext context, GetAccessKeyInfoRequest request, CancellationToken cancellationToken)
    {
        var id = request.AccessKeyId!;
        var account = _iam?.FindCredential(id)?.AccountId
            ?? _sessions?.Find(id)?.AccountId
            ?? IamIds.AccountOfAccessKey(id)
            ?? (id.Length == 12 && id.All(char.IsAsciiDigit) ? id : context.AccountId);
        return ValueTask.FromResult(new GetAccessKeyInfoResponse { Account = account });
    }

    public override async ValueTask<AssumeRoleResponse> AssumeRoleAsync(RequestContext context, AssumeRoleRequest request, CancellationToken cancellationToken)
    {
        var (iam, sessions) = Require();
        CheckSessionName(request.RoleSessionName!);
        var caller = context.Caller;
        var roleArn = request.RoleArn!;
        var denied = new AwsServiceException("AccessDenied",
            $"User: {caller.Arn} is not authorized to perform: sts:AssumeRole on resource: {roleArn}", 403);
        var role = FindRole(iam, roleArn) ?? throw denied;

        var callerArns = new List<string> { caller.Arn };
        var chained = caller.Type == "AssumedRole";
        if (chained && CallerRole(iam, caller) is { } callerRole)
        {
            callerArns.Add(callerRole.Arn);
        }
        var trustContext = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = chained && callerArns.Count > 1 ? callerArns[1] : caller.Arn,
            ["aws:PrincipalAccount"] = caller.AccountId,
        };
        if (request.ExternalId is not null)
        {
            trustContext["sts:ExternalId"] = request.ExternalId;
        }
        if (request.SourceIdentity is not null)
        {
            trustContext["sts:SourceIdentity"] = request.SourceIdentity;
        }
        if (!TrustPolicy.Allows(role.TrustPolicy, new TrustRequest("sts:AssumeRole", caller.AccountId, callerArns, null, trustContext)))
        {
            throw denied;
        }

        var duration = request.DurationSeconds ?? DefaultRoleSeconds;
        if (chained && duration > RoleChainingMaxSeconds)
        {
            throw new AwsServiceException("ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", 400);
        }
        if (duration > role.MaxSessionDuration)
        {
            throw new AwsServiceException("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
        }
        var tags = request.Tags?.ToDictionary(t => t.Key!, t => t.Value ?? "", StringComparer.Ordinal);
        if (tags is not null && request.Tags!.Count != tags.Count)
        {
            throw new AwsServiceException("InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", 400);
        }

        var account = AccountOf(roleArn);
        var sessionArn = $"arn:aws:sts::{account}:assumed-role/{role.Name}/{request.RoleSessionName}";
        var userId = $"{role.RoleId}:{request.RoleSessionName}";
        var credentials = await IssueAsync(sessions, account, sessionArn, userId, duration, record =>
        {
            record.SourceIdentity = request.SourceIdentity;
            record.Tags = tags;
            record.TransitiveTagKeys = request.TransitiveTagKeys;
        }).ConfigureAwait(false);
        iam.NoteRoleUsed(account, role.Name, context.ReceivedAt, context.Region);
        return new AssumeRoleResponse
        {
            Credentials = credentials,
            AssumedRoleUser = new AssumedRoleUser { AssumedRoleId = userId, Arn = sessionArn },
            PackedPolicySize = PackedSize(request.Policy, request.PolicyArns?.Count ?? 0, tags),
            SourceIdentity = request.SourceIdentity,
        };
    }

    public override async ValueTask<GetSessionTokenResponse> GetSessionTokenAsync(RequestContext context, GetSessionTokenRequest request, CancellationToken cancellationToken)
    {
        var (_, sessions) = Require();
        var caller = context.Caller;
        if (caller.Type is "AssumedRole" or "FederatedUser" || IsSession(caller))
        {
            throw new AwsServiceException("AccessDenied", "Cannot call GetSessionToken with session credentials", 403);
        }
        var duration = request.DurationSeconds ?? DefaultUserSessionSeconds;
        if (caller.Type == "Root")
        {
            duration = Math.Min(duration, RootMaxSeconds);
        }
        var credentials = await IssueAsync(sessions, caller.AccountId, caller.Arn, caller.UserId, duration, null).ConfigureAwait(false);
        return new GetSessionTokenResponse { Credentials = credentials };
    }

    public override async ValueTask<GetFederationTokenResponse> GetFederationTokenAsync(RequestContext context, GetFederationTokenRequest request, CancellationToken cancellationToken)
    {
        var (_, sessions) = Require();
        var caller = context.Caller;
        if (caller.Type is "AssumedRole" or "FederatedUser" || IsSession(caller))
        {
            throw new AwsServiceException("AccessDenied", "Cannot call GetFederationToken with session credentials", 403);
        }
        var duration = request.DurationSeconds ?? DefaultUserSessionSeconds;
        if (caller.Type == "Root")
        {
            duration = Math.Min(duration, RootMaxSeconds);
        }
        var tags = request.Tags?.ToDictionary(t => t.Key!, t => t.Value ?? "", StringComparer.Ordinal);
        var arn = $"arn:aws:sts::{caller.AccountId}:federated-user/{request.Name}";
        var userId = $"{caller.AccountId}:{request.Name}";
        var credentials = await IssueAsync(sessions, caller.AccountId, arn, userId, duration, r => r.Tags = tags).ConfigureAwait(false);
        return new GetFederationTokenResponse
        {
            Credentials = credentials,
            FederatedUser = new FederatedUser { FederatedUserId = userId, Arn = arn },
            PackedPolicySize = PackedSize(request.Policy, request.PolicyArns?.Count ?? 0, tags),
        };
    }

    /// <summary>
    /// The token's claims are read (iss, sub, aud, exp) and checked against the clock and the role's trust
    /// policy (a Federated principal naming the issuer's OIDC provider, or a well-known provider such as
    /// accounts.google.com). The signature is not verified yet: Gureum does not model OIDC providers with
    /// their signing keys (JWKS) in this slice.
    /// </summary>
    public override async ValueTask<AssumeRoleWithWebIdentityResponse> AssumeRoleWithWebIdentityAsync(RequestContext context, AssumeRoleWithWebIdentityRequest request, CancellationToken cancellationToken)
    {
        var (iam, sessions) = Require();
        CheckSessionName(request.RoleSessionName!);
        var claims = ReadJwt(request.WebIdentityToken!);
        var issuer = claims.TryGetValue("iss", out var iss) ? iss : null;
        var subject = claims.GetValueOrDefault("sub");
        var audience = claims.GetValueOrDefault("aud");
        if (issuer is null || subject is null)
        {
            throw new InvalidIdentityTokenException("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
        }
        var now = _clock.GetUtcNow();
        if (claims.TryGetValue("exp", out var expText) && long.TryParse(expText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var exp))
        {
            var expires = DateTimeOffset.FromUnixTimeSeconds(exp);
            if (expires <= now)
            {
                throw new ExpiredTokenException(
                    $"Token expired: current date/time {now.ToUnixTimeSeconds()} must be before the expiration date/time{exp}");
            }
        }
        var provider = issuer.StartsWith("https://", StringComparison.Ordinal) ? issuer["https://".Length..] : issuer;
        var denied = new AwsServiceException("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403);
        var role = FindRole(iam, request.RoleArn!) ?? throw denied;
        var trustContext = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [$"{provider}:sub"] = subject,
        };
        if (audience is not null)
        {
            trustContext[$"{provider}:aud"] = audience;
        }
        if (!TrustPolicy.Allows(role.TrustPolicy, new TrustRequest("sts:AssumeRoleWithWebIdentity", "", [], provider, trustContext)))
        {
            throw denied;
        }
        var duration = request.DurationSeconds ?? DefaultRoleSeconds;
        if (duration > role.MaxSessionDuration)
        {
            throw new AwsServiceException("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400);
        }
        var account = AccountOf(request.RoleArn!);
        var sessionArn = $"arn:aws:sts::{account}:assumed-role/{role.Name}/{request.RoleSessionName}";
        var userId = $"{role.RoleId}:{request.RoleSessionName}";
        var credentials = await IssueAsync(sessions, account, sessionArn, userId, duration, null).ConfigureAwait(false);
        return new AssumeRoleWithWebIdentityResponse
        {
            Credentials = credentials,
            SubjectFromWebIdentityToken = subject,
            AssumedRoleUser = new AssumedRoleUser { AssumedRoleId = userId, Arn = sessionArn },
            Provider = issuer,
            Audience = audience,
        };
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The model's pattern is unanchored (so the generic validator accepts anything); STS matches it in full.</summary>
    private static void CheckSessionName(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-'))
            {
                throw new AwsServiceException("ValidationError",
                    $"1 validation error detected: Value '{name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", 400);
            }
        }
    }

    private (IamProvider Iam, StsSessions Sessions) Require() =>
        _iam is not null && _sessions is not null ? (_iam, _sessions) : throw new InvalidOperationException("STS was created without IAM and a store.");

    private bool IsSession(CallerIdentity caller) =>
        caller.AccessKeyId.Length > 0 && _sessions?.Find(caller.AccessKeyId) is not null;

    private static string AccountOf(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length > 4 ? parts[4] : "";
    }

    /// <summary>The role a well-formed role ARN names (path included), or null.</summary>
    private static IamRoleInfo? FindRole(IamProvider iam, string roleArn)
    {
        var parts = roleArn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].StartsWith("role/", StringComparison.Ordinal))
        {
            return null;
        }
        var name = parts[5][(parts[5].LastIndexOf('/') + 1)..];
        var role = iam.FindRole(parts[4], name);
        return role is not null && role.Arn == roleArn ? role : null;
    }

    private static IamRoleInfo? CallerRole(IamProvider iam, CallerIdentity caller)
    {
        // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION
        var marker = ":assumed-role/";
        var at = caller.Arn.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }
        var rest = caller.Arn[(at + marker.Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return iam.FindRole(caller.AccountId, slash < 0 ? rest : rest[..slash]);
    }

    private async ValueTask<Credentials> IssueAsync(StsSessions sessions, string account, string arn, string userId, int seconds, Action<SessionRecord>? fill)
    {
        var now = _clock.GetUtcNow();
        var expiration = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(seconds);
        var record = new SessionRecord
        {
            Id = IamIds.AccessKeyId("ASIA", account),
            Secret = IamIds.Secret(),
            Token = IamIds.SessionToken(),
            Account = account,
            Arn = arn,
            UserId = userId,
            Expiration = expiration,
        };
        fill?.Invoke(record);
        await sessions.AddAsync(record).ConfigureAwait(false);
        return new Credentials { AccessKeyId = record.Id, SecretAccessKey = record.Secret, SessionToken = record.Token, Expiration = expiration };
    }

    /// <summary>PackedPolicySize: the percentage of the packed session policy/tag limit used (reported only when any were passed).</summary>
    private static int? PackedSize(string? policy, int policyArns, Dictionary<string, string>? tags)
    {
        if (policy is null && policyArns == 0 && (tags is null || tags.Count == 0))
        {
            return null;
        }
        var bytes = (policy?.Length ?? 0) + (policyArns * 64) + (tags?.Sum(t => t.Key.Length + t.Value.Length) ?? 0);
        return Math.Max(1, Math.Min(100, bytes * 100 / 2048));
    }

    private static Dictionary<string, string> ReadJwt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new InvalidIdentityTokenException("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
        }
        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var document = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            var claims = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var claim in document.RootElement.EnumerateObject())
            {
                claims[claim.Name] = claim.Value.ValueKind switch
                {
                    JsonValueKind.String => claim.Value.GetString()!,
                    JsonValueKind.Array => claim.Value.EnumerateArray().FirstOrDefault().ToString(),
                    _ => claim.Value.GetRawText(),
                };
            }
            return claims;
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            throw new InvalidIdentityTokenException("The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)");
        }
    }
}
