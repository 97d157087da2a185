using System.Security.Cryptography;
using System.Text.Json;
using Gureum.Api.Kms;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Kms;

/// <summary>
/// AWS KMS with real cryptography: symmetric (AES-256-GCM), RSA, ECC and HMAC keys, aliases, key policies,
/// tags, rotation with every material version kept, scheduled deletion on the shared clock. Key records live
/// in the state store with their material wrapped under a local master key (<see cref="MasterKey"/>).
/// </summary>
public sealed partial class KmsProvider : KmsServiceBase
{
    private const int MaxRetries = 16;
    private readonly IStateStore _state;
    private readonly TimeProvider _clock;
    private readonly MasterKey _master;

    /// <param name="dataDir">The durable data directory (the master key is kept under it), or null for in-memory servers.</param>
    public KmsProvider(IStateStore state, TimeProvider clock, string? dataDir)
    {
        _state = state;
        _clock = clock;
        _master = MasterKey.Open(dataDir);
    }

    private long NowMs => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    // ---------------------------------------------------------------- errors (AWS's messages)

    private static NotFoundException KeyNotFound(string arn) => new($"Key '{arn}' does not exist");

    private static NotFoundException AliasNotFound(string aliasArn) => new($"Alias '{aliasArn}' is not found.");

    private static AwsServiceException Validation(string message) => new("ValidationException", message, 400);

    private static AwsServiceException InvalidState(KeyRecord key) => key.KeyState == "PendingDeletion"
        ? new KMSInvalidStateException($"{key.Arn} is pending deletion.")
        : new KMSInvalidStateException($"{key.Arn} is {key.KeyState.ToLowerInvariant()}.");

    private static InvalidKeyUsageException UsageNotValid(KeyRecord key, string operation) =>
        new($"{key.Arn} key usage is {key.KeyUsage} which is not valid for {operation}.");

    private static InvalidKeyUsageException SpecNotValid(KeyRecord key, string operation) =>
        new($"{key.Arn} key spec is {key.KeySpec} which is not valid for {operation}.");

    private static InvalidKeyUsageException AlgorithmNotValid(KeyRecord key, string algorithm) =>
        new($"Algorithm {algorithm} is incompatible with key spec {key.KeySpec}.");

    /// <summary>A key that must be usable for cryptography: Enabled (not Disabled, not PendingDeletion).</summary>
    private static void RequireEnabled(KeyRecord key)
    {
        if (key.KeyState == "Disabled")
        {
            throw new DisabledException($"{key.Arn} is disabled.");
        }
        if (key.KeyState != "Enabled")
        {
            throw InvalidState(key);
        }
    }

    private static void RequireNotPendingDeletion(KeyRecord key)
    {
        if (key.KeyState == "PendingDeletion")
        {
            throw InvalidState(key);
        }
    }

    // ---------------------------------------------------------------- key addressing

    /// <summary>Where a KeyId parameter points: key id, key ARN, alias name or alias ARN.</summary>
    private readonly record struct KeyRef(string Account, string Region, string? KeyId, string? Alias)
    {
        public string KeyArn => $"arn:aws:kms:{Region}:{Account}:key/{KeyId}";
        public string AliasArn => $"arn:aws:kms:{Region}:{Account}:{Alias}";
    }

    private static KeyRef Parse(RequestContext context, string keyId)
    {
        if (keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = keyId.Split(':', 6);
            if (parts.Length == 6 && parts[2] == "kms" && parts[3].Length > 0 && parts[4].Length > 0)
            {
                if (parts[5].StartsWith("key/", StringComparison.Ordinal) && parts[5].Length > 4)
                {
                    return new KeyRef(parts[4], parts[3], parts[5][4..], null);
                }
                if (parts[5].StartsWith("alias/", StringComparison.Ordinal))
                {
                    return new KeyRef(parts[4], parts[3], null, parts[5]);
                }
            }
            throw new NotFoundException($"Invalid arn {keyId}");
        }
        if (keyId.StartsWith("alias/", StringComparison.Ordinal))
        {
            return new KeyRef(context.AccountId, context.Region, null, keyId);
        }
        return new KeyRef(context.AccountId, context.Region, keyId, null);
    }

    private sealed class Loaded(KeyRecord record, byte[] raw)
    {
        public KeyRecord Record { get; } = record;
        public byte[] Raw { get; } = raw;
    }

    /// <summary>
    /// Finds a key and brings it up to date with the clock: a key past its deletion date is deleted (with its
    /// aliases) and reported as missing; a key whose automatic rotation date passed gets its new material.
    /// </summary>
    private async Task<Loaded> LoadAsync(RequestContext context, string? keyId, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(keyId))
        {
            throw Validation("1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
        }
        var reference = Parse(context, keyId);
        if (reference.Alias is not null)
        {
            var aliasBytes = await _state.GetAsync(KmsKeys.Aliases, KmsKeys.Alias(reference.Account, reference.Region, reference.Alias), ct).ConfigureAwait(false);
            if (aliasBytes is null)
            {
                throw AliasNotFound(reference.AliasArn);
            }
            reference = reference with { KeyId = KmsJson.Alias(aliasBytes).TargetKeyId, Alias = null };
        }
        for (var attempt = 0; ; attempt++)
        {
            var storeKey = KmsKeys.Key(reference.Account, reference.Region, reference.KeyId!);
            var raw = await _state.GetAsync(KmsKeys.Keys, storeKey, ct).ConfigureAwait(false);
            if (raw is null)
            {
                throw KeyNotFound(reference.KeyArn);
            }
            var record = KmsJson.Key(raw);
            var now = NowMs;
            if (record.KeyState == "PendingDeletion" && record.DeletionMs <= now)
            {
                var batch = new WriteBatch().RequireValue(KmsKeys.Keys, storeKey, raw).Delete(KmsKeys.Keys, storeKey);
                await foreach (var (aliasKey, value) in _state.ScanAsync(KmsKeys.Aliases, ScanRange.WithPrefix(KmsKeys.Scope(record.Account, record.Region)), ct).ConfigureAwait(false))
                {
                    if (KmsJson.Alias(value).TargetKeyId == record.KeyId)
                    {
                        batch.Delete(KmsKeys.Aliases, aliasKey);
                    }
                }
                await _state.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false);
                throw KeyNotFound(record.Arn);
            }
            if (record.RotationEnabled && record.NextRotationMs is { } next && next <= now && record.KeyState != "PendingDeletion")
            {
                var period = (long)(record.RotationPeriodInDays ?? 365) * 86_400_000;
                while (record.NextRotationMs <= now)
                {
                    AddMaterial(record, record.NextRotationMs.Value, "AUTOMATIC");
                    record.NextRotationMs += period;
                }
                var updated = KmsJson.Bytes(record);
                if (!await _state.CommitAsync(new WriteBatch().RequireValue(KmsKeys.Keys, storeKey, raw).Put(KmsKeys.Keys, storeKey, updated), CancellationToken.None).ConfigureAwait(false)
                    && attempt < MaxRetries)
                {
                    continue;
                }
                raw = updated;
            }
            return new Loaded(record, raw);
        }
    }

    private async Task<KeyRecord> FindAsync(RequestContext context, string? keyId, CancellationToken ct) =>
        (await LoadAsync(context, keyId, ct).ConfigureAwait(false)).Record;

    /// <summary>Read-modify-write of one key with optimistic concurrency (the store's value precondition).</summary>
    private async Task<KeyRecord> MutateAsync(RequestContext context, string? keyId, Action<KeyRecord> mutate, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var loaded = await LoadAsync(context, keyId, ct).ConfigureAwait(false);
            var record = loaded.Record;
            mutate(record);
            var storeKey = KmsKeys.Key(record.Account, record.Region, record.KeyId);
            var batch = new WriteBatch().RequireValue(KmsKeys.Keys, storeKey, loaded.Raw).Put(KmsKeys.Keys, storeKey, KmsJson.Bytes(record));
            if (await _state.CommitAsync(batch, CancellationToken.None).ConfigureAwait(false))
            {
                return record;
            }
            if (attempt >= MaxRetries)
            {
                throw new KMSInternalException("The request could not be completed because of concurrent updates to the key.");
            }
        }
    }

    // ---------------------------------------------------------------- key material

    private void AddMaterial(KeyRecord record, long createdMs, string? rotationType)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var material = KeySpecs.NewMaterial(record.KeySpec);
        try
        {
            record.Materials.Add(new MaterialRecord
            {
                Id = id,
                Wrapped = _master.Wrap(material, WrapContext(record, id)),
                CreatedMs = createdMs,
                RotationType = rotationType,
            });
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static string WrapContext(KeyRecord record, string materialId) => $"{record.Arn}|{materialId}";

    private byte[] Material(KeyRecord record, MaterialRecord material) => _master.Unwrap(material.Wrapped, WrapContext(record, material.Id));

    // ---------------------------------------------------------------- metadata

    private static KeyMetadata Metadata(KeyRecord key)
    {
        var metadata = new KeyMetadata
        {
            AWSAccountId = key.Account,
            KeyId = key.KeyId,
            Arn = key.Arn,
            CreationDate = Time(key.CreatedMs),
            Enabled = key.KeyState == "Enabled",
            Description = key.Description,
            KeyUsage = key.KeyUsage,
            KeyState = key.KeyState,
            Origin = "AWS_KMS",
            KeyManager = "CUSTOMER",
            CustomerMasterKeySpec = key.KeySpec,
            KeySpec = key.KeySpec,
            EncryptionAlgorithms = KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage),
            SigningAlgorithms = KeySpecs.SigningAlgorithms(key.KeySpec, key.KeyUsage),
            MacAlgorithms = KeySpecs.MacAlgorithms(key.KeySpec),
            KeyAgreementAlgorithms = KeySpecs.KeyAgreementAlgorithms(key.KeyUsage),
            MultiRegion = key.MultiRegion,
        };
        if (key.KeyState == "PendingDeletion")
        {
            metadata.DeletionDate = Time(key.DeletionMs!.Value);
            metadata.PendingDeletionWindowInDays = key.PendingWindowInDays;
        }
        if (key.MultiRegion)
        {
            metadata.MultiRegionConfiguration = new MultiRegionConfiguration
            {
                MultiRegionKeyType = "PRIMARY",
                PrimaryKey = new MultiRegionKey { Arn = key.Arn, Region = key.Region },
                ReplicaKeys = [],
            };
        }
        return metadata;
    }

    private static string DefaultPolicy(string account) =>
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n" +
        "    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n" +
        $"      \"AWS\" : \"arn:aws:iam::{account}:root\"\n    }},\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  }} ]\n}}";

    private static void ValidatePolicy(string policy)
    {
        try
        {
            using var document = JsonDocument.Parse(policy);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("Statement", out _))
            {
                throw new MalformedPolicyDocumentException("The policy document is malformed: it must be a JSON object with a Statement.");
            }
        }
        catch (JsonException)
        {
            throw new MalformedPolicyDocumentException("The policy document is not valid JSON.");
        }
    }

    private static void ValidateTags(List<Tag>? tags)
    {
        foreach (var tag in tags ?? [])
        {
            if (tag.TagKey!.StartsWith("aws:", StringComparison.Ordinal))
            {
                throw new TagException("Tags beginning with aws: are reserved.");
            }
        }
    }

    // ---------------------------------------------------------------- keys

    public override async ValueTask<CreateKeyResponse> CreateKeyAsync(RequestContext context, CreateKeyRequest request, CancellationToken cancellationToken)
    {
        if (request.KeySpec is not null && request.CustomerMasterKeySpec is not null)
        {
            throw Validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.");
        }
        var spec = request.KeySpec ?? request.CustomerMasterKeySpec ?? KeySpecs.Symmetric;
        var usage = request.KeyUsage ?? "ENCRYPT_DECRYPT";
        if (!KeySpecs.IsKnown(spec))
        {
            throw new UnsupportedOperationException($"KeySpec {spec} is not supported by Gureum.");
        }
        if (Array.IndexOf(KeySpecs.Usages(spec), usage) < 0)
        {
            throw Validation($"KeyUsage {usage} is not compatible with KeySpec {spec}");
        }
        var origin = request.Origin ?? "AWS_KMS";
        if (origin != "AWS_KMS")
        {
            throw new UnsupportedOperationException($"Origin {origin} is not supported by Gureum yet.");
        }
        if (request.MultiRegion == true && spec != KeySpecs.Symmetric && !KeySpecs.IsAsymmetric(spec) && !KeySpecs.IsHmac(spec))
        {
            throw new UnsupportedOperationException($"Multi-Region keys are not supported for KeySpec {spec}.");
        }
        if (request.Policy is not null)
        {
            ValidatePolicy(request.Policy);
        }
        ValidateTags(request.Tags);
        var multiRegion = request.MultiRegion == true;
        var record = new KeyRecord
        {
            Account = context.AccountId,
            Region = context.Region,
            KeyId = multiRegion ? "mrk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) : Guid.NewGuid().ToString(),
            Description = request.Description ?? "",
            KeyUsage = usage,
            KeySpec = spec,
            CreatedMs = NowMs,
            MultiRegion = multiRegion,
            Policy = request.Policy ?? DefaultPolicy(context.AccountId),
        };
        foreach (var tag in request.Tags ?? [])
        {
            record.Tags[tag.TagKey!] = tag.TagValue ?? "";
        }
        AddMaterial(record, record.CreatedMs, null);
        var storeKey = KmsKeys.Key(record.Account, record.Region, record.KeyId);
        await _state.CommitAsync(new WriteBatch().RequireAbsent(KmsKeys.Keys, storeKey).Put(KmsKeys.Keys, storeKey, KmsJson.Bytes(record)), CancellationToken.None).ConfigureAwait(false);
        return new CreateKeyResponse { KeyMetadata = Metadata(record) };
    }

    public override async ValueTask<DescribeKeyResponse> DescribeKeyAsync(RequestContext context, DescribeKeyRequest request, CancellationToken cancellationToken) =>
        new() { KeyMetadata = Metadata(await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false)) };

    public override async ValueTask<ListKeysResponse> ListKeysAsync(RequestContext context, ListKeysRequest request, CancellationToken cancellationToken)
    {
        var limit = request.Limit ?? 100;
        var scope = KmsKeys.Scope(context.AccountId, context.Region);
        var keys = new List<KeyListEntry>();
        string? next = null;
        var now = NowMs;
        await foreach (var (storeKey, value) in _state.ScanAsync(KmsKeys.Keys, After(scope, request.Marker), cancellationToken).ConfigureAwait(false))
        {
            var record = KmsJson.Key(value);
            if (record.KeyState == "PendingDeletion" && record.DeletionMs <= now)
            {
                continue; // deleted by now; removed for good when next addressed
            }
            if (keys.Count == limit)
            {
                next = keys[^1].KeyId;
                break;
            }
            keys.Add(new KeyListEntry { KeyId = record.KeyId, KeyArn = record.Arn });
            _ = storeKey;
        }
        return new ListKeysResponse { Keys = keys, Truncated = next is not null, NextMarker = next };
    }

    /// <summary>The keys of a scope after a marker (the last name returned on the previous page).</summary>
    private static ScanRange After(string scope, string? marker)
    {
        if (string.IsNullOrEmpty(marker))
        {
            return ScanRange.WithPrefix(scope);
        }
        return new ScanRange { Prefix = scope, FromKey = ScanRange.After(scope + marker) };
    }

    public override async ValueTask<Empty> UpdateKeyDescriptionAsync(RequestContext context, UpdateKeyDescriptionRequest request, CancellationToken cancellationToken)
    {
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            key.Description = request.Description ?? "";
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> EnableKeyAsync(RequestContext context, EnableKeyRequest request, CancellationToken cancellationToken)
    {
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            key.KeyState = "Enabled";
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> DisableKeyAsync(RequestContext context, DisableKeyRequest request, CancellationToken cancellationToken)
    {
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            key.KeyState = "Disabled";
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<ScheduleKeyDeletionResponse> ScheduleKeyDeletionAsync(RequestContext context, ScheduleKeyDeletionRequest request, CancellationToken cancellationToken)
    {
        var days = request.PendingWindowInDays ?? 30;
        if (days is < 7 or > 30)
        {
            throw Validation(days < 7
                ? $"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7"
                : $"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30");
        }
        var record = await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            key.KeyState = "PendingDeletion";
            key.PendingWindowInDays = days;
            key.DeletionMs = NowMs + days * 86_400_000L;
        }, cancellationToken).ConfigureAwait(false);
        return new ScheduleKeyDeletionResponse
        {
            KeyId = record.Arn,
            DeletionDate = Time(record.DeletionMs!.Value),
            KeyState = record.KeyState,
            PendingWindowInDays = days,
        };
    }

    public override async ValueTask<CancelKeyDeletionResponse> CancelKeyDeletionAsync(RequestContext context, CancelKeyDeletionRequest request, CancellationToken cancellationToken)
    {
        var record = await MutateAsync(context, request.KeyId, key =>
        {
            if (key.KeyState != "PendingDeletion")
            {
                throw new KMSInvalidStateException($"{key.Arn} is not pending deletion.");
            }
            key.KeyState = "Disabled";
            key.DeletionMs = null;
            key.PendingWindowInDays = null;
        }, cancellationToken).ConfigureAwait(false);
        return new CancelKeyDeletionResponse { KeyId = record.Arn };
    }

    // ---------------------------------------------------------------- policies

    public override async ValueTask<GetKeyPolicyResponse> GetKeyPolicyAsync(RequestContext context, GetKeyPolicyRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        var name = request.PolicyName ?? "default";
        if (name != "default")
        {
            throw new NotFoundException("No such policy exists");
        }
        return new GetKeyPolicyResponse { Policy = key.Policy, PolicyName = name };
    }

    public override async ValueTask<Empty> PutKeyPolicyAsync(RequestContext context, PutKeyPolicyRequest request, CancellationToken cancellationToken)
    {
        var name = request.PolicyName ?? "default";
        if (name != "default")
        {
            throw new NotFoundException("No such policy exists");
        }
        ValidatePolicy(request.Policy!);
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            key.Policy = request.Policy!;
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<ListKeyPoliciesResponse> ListKeyPoliciesAsync(RequestContext context, ListKeyPoliciesRequest request, CancellationToken cancellationToken)
    {
        await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        return new ListKeyPoliciesResponse { PolicyNames = ["default"], Truncated = false };
    }

    // ---------------------------------------------------------------- tags

    public override async ValueTask<Empty> TagResourceAsync(RequestContext context, TagResourceRequest request, CancellationToken cancellationToken)
    {
        ValidateTags(request.Tags);
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            foreach (var tag in request.Tags ?? [])
            {
                key.Tags[tag.TagKey!] = tag.TagValue ?? "";
            }
            if (key.Tags.Count > 50)
            {
                throw new TagException("Too many tags: a KMS key can have at most 50 tags.");
            }
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<Empty> UntagResourceAsync(RequestContext context, UntagResourceRequest request, CancellationToken cancellationToken)
    {
        await MutateAsync(context, request.KeyId, key =>
        {
            RequireNotPendingDeletion(key);
            foreach (var tagKey in request.TagKeys ?? [])
            {
                key.Tags.Remove(tagKey);
            }
        }, cancellationToken).ConfigureAwait(false);
        return Empty.Instance;
    }

    public override async ValueTask<ListResourceTagsResponse> ListResourceTagsAsync(RequestContext context, ListResourceTagsRequest request, CancellationToken cancellationToken)
    {
        var key = await FindAsync(context, request.KeyId, cancellationToken).ConfigureAwait(false);
        var all = key.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var start = 0;
        if (!string.IsNullOrEmpty(request.Marker))
        {
            start = all.FindIndex(t => string.CompareOrdinal(t.Key, request.Marker) > 0);
            if (start < 0)
            {
                start = all.Count;
            }
        }
        var limit = request.Limit ?? 50;
        var page = all.Skip(start).Take(limit).Select(t => new Tag { TagKey = t.Key, TagValue = t.Value }).ToList();
        var truncated = start + page.Count < all.Count;
        return new ListResourceTagsResponse { Tags = page, Truncated = truncated, NextMarker = truncated ? page[^1].TagKey : null };
    }
}
