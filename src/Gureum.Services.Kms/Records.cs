using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.Kms;

/// <summary>A KMS key as stored. Key material is never stored in the clear: see <see cref="MaterialRecord.Wrapped"/>.</summary>
internal sealed class KeyRecord
{
    public string Account { get; set; } = "";
    public string Region { get; set; } = "";
    public string KeyId { get; set; } = "";
    public string Description { get; set; } = "";
    public string KeyUsage { get; set; } = "";
    public string KeySpec { get; set; } = "";
    /// <summary>Enabled | Disabled | PendingDeletion.</summary>
    public string KeyState { get; set; } = "Enabled";
    public long CreatedMs { get; set; }
    public long? DeletionMs { get; set; }
    public int? PendingWindowInDays { get; set; }
    public bool MultiRegion { get; set; }
    public string Policy { get; set; } = "";
    public Dictionary<string, string> Tags { get; set; } = new(StringComparer.Ordinal);
    public bool RotationEnabled { get; set; }
    public int? RotationPeriodInDays { get; set; }
    /// <summary>When automatic rotation next happens (ms since epoch), while rotation is enabled.</summary>
    public long? NextRotationMs { get; set; }
    /// <summary>Every key material version, oldest first; the last one is current (old ciphertexts still decrypt).</summary>
    public List<MaterialRecord> Materials { get; set; } = [];

    [JsonIgnore] public string Arn => $"arn:aws:kms:{Region}:{Account}:key/{KeyId}";
    [JsonIgnore] public MaterialRecord Current => Materials[^1];
}

/// <summary>One version of a key's material.</summary>
internal sealed class MaterialRecord
{
    /// <summary>64 lowercase hex characters, as AWS's key material ids.</summary>
    public string Id { get; set; } = "";
    /// <summary>AES-256-GCM under the local master key: nonce (12) | tag (16) | ciphertext; AAD = key ARN + material id.</summary>
    public byte[] Wrapped { get; set; } = [];
    public long CreatedMs { get; set; }
    /// <summary>null for the original material; AUTOMATIC or ON_DEMAND for rotations.</summary>
    public string? RotationType { get; set; }
}

internal sealed class AliasRecord
{
    public string Name { get; set; } = "";
    public string TargetKeyId { get; set; } = "";
    public long CreatedMs { get; set; }
    public long UpdatedMs { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KeyRecord))]
[JsonSerializable(typeof(AliasRecord))]
internal sealed partial class KmsJson : JsonSerializerContext
{
    public static byte[] Bytes(KeyRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.KeyRecord);
    public static byte[] Bytes(AliasRecord r) => JsonSerializer.SerializeToUtf8Bytes(r, Default.AliasRecord);
    public static KeyRecord Key(byte[] b) => JsonSerializer.Deserialize(b, Default.KeyRecord)!;
    public static AliasRecord Alias(byte[] b) => JsonSerializer.Deserialize(b, Default.AliasRecord)!;
}

/// <summary>State-store tables; every key starts with account/region so state is scoped like AWS.</summary>
internal static class KmsKeys
{
    public const string Keys = "kms/keys";
    public const string Aliases = "kms/aliases";

    public static string Scope(string account, string region) => $"{account}/{region}/";
    public static string Key(string account, string region, string keyId) => Scope(account, region) + keyId;
    public static string Alias(string account, string region, string aliasName) => Scope(account, region) + aliasName;
}
