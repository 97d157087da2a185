using Gureum.Api.Kms;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Kms;

public sealed partial class KmsProvider
{
    private static string AliasArn(RequestContext context, string alias) => $"arn:aws:kms:{context.Region}:{context.AccountId}:{alias}";

    private static void ValidateAliasName(string name)
    {
        if (!name.StartsWith("alias/", StringComparison.Ordinal) || name.Length == 6)
        {
            throw Validation("Invalid identifier");
        }
        if (name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new AwsServiceException("NotAuthorizedException", "Cannot create or modify an alias with the reserved prefix alias/aws/.", 400);
        }
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw Validation($"{name} contains invalid characters for an alias");
        }
    }

    /// <summary>An alias target must name a key (id or key ARN), never another alias.</summary>
    private async Task<KeyRecord> AliasTargetAsync(RequestContext context, string? targetKeyId, CancellationToken ct)
    {
        if (targetKeyId is not null && (targetKeyId.StartsWith("alias/", StringComparison.Ordinal) || targetKeyId.Contains(":alias/", StringComparison.Ordinal)))
        {
            throw Validation("Aliases must refer to keys. Not aliases");
        }
        var key = await FindAsync(context, targetKeyId, ct).ConfigureAwait(false);
        if (key.Account != context.AccountId || key.Region != context.Region)
        {
            throw KeyNotFound(key.Arn);
        }
        RequireNotPendingDeletion(key);
        return key;
    }

    public override async ValueTask<Empty> CreateAliasAsync(RequestContext context, CreateAliasRequest request, CancellationToken cancellationToken)
    {
        var name = request.AliasName!;
        ValidateAliasName(name);
        var key = await AliasTargetAsync(context, request.TargetKeyId, cancellationToken).ConfigureAwait(false);
        var now = NowMs;
        var record = new AliasRecord { Name = name, TargetKeyId = key.KeyId, CreatedMs = now, UpdatedMs = now };
        var storeKey = KmsKeys.Alias(context.AccountId, context.Region, name);
        if (!await _state.CommitAsync(new WriteBatch().RequireAbsent(KmsKeys.Aliases, storeKey).Put(KmsKeys.Aliases, storeKey, KmsJson.Bytes(record)), CancellationToken.None).ConfigureAwait(false))
        {
            throw new AlreadyExistsException($"An alias with the name {AliasArn(context, name)} already exists");
        }
        return Empty.Instance;
    }

    public override async ValueTask<Empty> UpdateAliasAsync(RequestContext context, UpdateAliasRequest request, CancellationToken cancellationToken)
    {
        var name = request.AliasName!;
        ValidateAliasName(name);
        var storeKey = KmsKeys.Alias(context.AccountId, context.Region, name);
        var raw = await _state.GetAsync(KmsKeys.Aliases, storeKey, cancellationToken).ConfigureAwait(false)
            ?? throw AliasNotFound(AliasArn(context, name));
        var key = await AliasTargetAsync(context, request.TargetKeyId, cancellationToken).ConfigureAwait(false);
        var record = KmsJson.Alias(raw);
        var current = await _state.GetAsync(KmsKeys.Keys, KmsKeys.Key(context.AccountId, context.Region, record.TargetKeyId), cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            var old = KmsJson.Key(current);
            if (old.KeyUsage != key.KeyUsage || old.KeySpec != key.KeySpec)
            {
                throw Validation($"Alias {AliasArn(context, name)} cannot be changed from a key with KeySpec {old.KeySpec} and KeyUsage {old.KeyUsage} to a key with KeySpec {key.KeySpec} and KeyUsage {key.KeyUsage}.");
            }
        }
        record.TargetKeyId = key.KeyId;
        record.UpdatedMs = NowMs;
        if (!await _state.CommitAsync(new WriteBatch().RequireValue(KmsKeys.Aliases, storeKey, raw).Put(KmsKeys.Aliases, storeKey, KmsJson.Bytes(record)), CancellationToken.None).ConfigureAwait(false))
        {
            throw new KMSInternalException("The alias changed while it was being updated; retry the request.");
        }
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DeleteAliasAsync(RequestContext context, DeleteAliasRequest request, CancellationToken cancellationToken)
    {
        var name = request.AliasName!;
        if (name.StartsWith("alias/aws/", StringComparison.Ordinal))
        {
            throw new AwsServiceException("NotAuthorizedException", "Cannot create or modify an alias with the reserved prefix alias/aws/.", 400);
        }
        var storeKey = KmsKeys.Alias(context.AccountId, context.Region, name);
        if (!await _state.CommitAsync(new WriteBatch().RequireExists(KmsKeys.Aliases, storeKey).Delete(KmsKeys.Aliases, storeKey), CancellationToken.None).ConfigureAwait(false))
        {
            throw AliasNotFound(AliasArn(context, name));
        }
        return Empty.Instance;
    }

    public override async ValueTask<ListAliasesResponse> ListAliasesAsync(RequestContext context, ListAliasesRequest request, CancellationToken cancellationToken)
    {
        string? target = null;
        if (request.KeyId is not null)
        {
            if (request.KeyId.StartsWith("alias/", StringComparison.Ordinal) || request.KeyId.Contains(":alias/", StringComparison.Ordinal))
            {
                throw new InvalidArnException($"Invalid keyId {request.KeyId}");
            }
            target = (await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false)).KeyId;
        }
        var limit = request.Limit ?? 100;
        var scope = KmsKeys.Scope(context.AccountId, context.Region);
        var aliases = new List<AliasListEntry>();
        string? next = null;
        await foreach (var (_, value) in _state.ScanAsync(KmsKeys.Aliases, After(scope, request.Marker), cancellationToken).ConfigureAwait(false))
        {
            var alias = KmsJson.Alias(value);
            if (target is not null && alias.TargetKeyId != target)
            {
                continue;
            }
            if (aliases.Count == limit)
            {
                next = aliases[^1].AliasName;
                break;
            }
            aliases.Add(new AliasListEntry
            {
                AliasName = alias.Name,
                AliasArn = AliasArn(context, alias.Name),
                TargetKeyId = alias.TargetKeyId,
                CreationDate = Time(alias.CreatedMs),
                LastUpdatedDate = Time(alias.UpdatedMs),
            });
        }
        return new ListAliasesResponse { Aliases = aliases, Truncated = next is not null, NextMarker = next };
    }

    // ---------------------------------------------------------------- rotation

    private static void RequireRotatable(KeyRecord key)
    {
        if (key.KeySpec != KeySpecs.Symmetric)
        {
            throw new UnsupportedOperationException($"{key.Arn} key spec is {key.KeySpec}, which does not support key rotation.");
        }
    }

    public override async ValueTask<Empty> EnableKeyRotationAsync(RequestContext context, EnableKeyRotationRequest request, CancellationToken cancellationToken)
    {
        var period = request.RotationPeriodInDays ?? 365;
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireEnabled(key);
            RequireRotatable(key);
            if (!key.RotationEnabled || key.RotationPeriodInDays != period)
            {
                key.RotationEnabled = true;
                key.RotationPeriodInDays = period;
                key.NextRotationMs = NowMs + period * 86_400_000L;
            }
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DisableKeyRotationAsync(RequestContext context, DisableKeyRotationRequest request, CancellationToken cancellationToken)
    {
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireEnabled(key);
            RequireRotatable(key);
            key.RotationEnabled = false;
            key.NextRotationMs = null;
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<GetKeyRotationStatusResponse> GetKeyRotationStatusAsync(RequestContext context, GetKeyRotationStatusRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        RequireNotPendingDeletion(key);
        RequireRotatable(key);
        return new GetKeyRotationStatusResponse
        {
            KeyId = key.KeyId,
            KeyRotationEnabled = key.RotationEnabled,
            RotationPeriodInDays = key.RotationEnabled ? key.RotationPeriodInDays : null,
            NextRotationDate = key.RotationEnabled && key.NextRotationMs is { } next ? Time(next) : null,
        };
    }

    public override async ValueTask<RotateKeyOnDemandResponse> RotateKeyOnDemandAsync(RequestContext context, RotateKeyOnDemandRequest request, CancellationToken cancellationToken)
    {
        var record = await MutateAsync(context, request.KeyId, key =>
        {
            RequireEnabled(key);
            RequireRotatable(key);
            if (key.Materials.Count(m => m.RotationType == "ON_DEMAND") >= 25)
            {
                throw new LimitExceededException($"{key.Arn} has reached the limit of 25 on-demand rotations.");
            }
            AddMaterial(key, NowMs, "ON_DEMAND");
        }, cancellationToken).ConfigureAwait(false);
        return new RotateKeyOnDemandResponse { KeyId = record.KeyId };
    }

    public override async ValueTask<ListKeyRotationsResponse> ListKeyRotationsAsync(RequestContext context, ListKeyRotationsRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        RequireRotatable(key);
        var all = request.IncludeKeyMaterial == "ALL_KEY_MATERIAL";
        var entries = new List<RotationsListEntry>();
        for (var i = 0; i < key.Materials.Count; i++)
        {
            var m = key.Materials[i];
            if (m.RotationType is null && !all)
            {
                continue;
            }
            entries.Add(new RotationsListEntry
            {
                KeyId = key.KeyId,
                KeyMaterialId = m.Id,
                KeyMaterialState = i == key.Materials.Count - 1 ? "CURRENT" : "NON_CURRENT",
                RotationDate = m.RotationType is null ? null : Time(m.CreatedMs),
                RotationType = m.RotationType,
            });
        }
        var start = 0;
        if (!string.IsNullOrEmpty(request.Marker))
        {
            start = entries.FindIndex(e => e.KeyMaterialId == request.Marker) + 1;
            if (start <= 0)
            {
                throw new InvalidMarkerException("The marker is not valid.");
            }
        }
        var limit = request.Limit ?? 100;
        var page = entries.Skip(start).Take(limit).ToList();
        var truncated = start + page.Count < entries.Count;
        return new ListKeyRotationsResponse { Rotations = page, Truncated = truncated, NextMarker = truncated ? page[^1].KeyMaterialId : null };
    }
}
