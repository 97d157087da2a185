using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gureum.Services.DynamoDb;

/// <summary>What Gureum stores about one table (serialized with source-generated System.Text.Json).</summary>
public sealed class TableMeta
{
    public int Version { get; set; } = 1;
    public string Name { get; set; } = "";
    public string Id { get; set; } = "";
    public string Arn { get; set; } = "";
    public long CreatedMs { get; set; }
    public List<KeyDef> KeySchema { get; set; } = [];
    public List<AttrDef> Attributes { get; set; } = [];
    public string BillingMode { get; set; } = "PROVISIONED";
    public long Rcu { get; set; }
    public long Wcu { get; set; }
    public long? LastIncreaseMs { get; set; }
    public long? LastDecreaseMs { get; set; }
    public int DecreasesToday { get; set; }
    public long? PayPerRequestSinceMs { get; set; }
    public List<IndexMeta> Gsis { get; set; } = [];
    public List<IndexMeta> Lsis { get; set; } = [];
    public bool StreamEnabled { get; set; }
    public string? StreamViewType { get; set; }
    public string? StreamLabel { get; set; }
    public bool DeletionProtection { get; set; }
    public string? TableClass { get; set; }
    public string? TtlAttribute { get; set; }
    public bool TtlEnabled { get; set; }
    public bool SseEnabled { get; set; }
    public string? SseType { get; set; }
    public string? KmsKeyArn { get; set; }
    public List<TagDef> Tags { get; set; } = [];
    public long? MaxReadRequestUnits { get; set; }
    public long? MaxWriteRequestUnits { get; set; }

    public string HashKey => KeySchema[0].Name;
    public string? RangeKey => KeySchema.Count > 1 ? KeySchema[1].Name : null;
    public string TypeOf(string attribute) => Attributes.First(a => a.Name == attribute).Type;

    public IndexMeta? FindIndex(string name) => Gsis.FirstOrDefault(i => i.Name == name) ?? Lsis.FirstOrDefault(i => i.Name == name);
}

public sealed class KeyDef
{
    public string Name { get; set; } = "";
    public string Type { get; set; } = "HASH";
}

public sealed class AttrDef
{
    public string Name { get; set; } = "";
    public string Type { get; set; } = "S";
}

public sealed class TagDef
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed class IndexMeta
{
    public string Name { get; set; } = "";
    public bool Global { get; set; }
    public List<KeyDef> KeySchema { get; set; } = [];
    public string ProjectionType { get; set; } = "ALL";
    public List<string>? NonKeyAttributes { get; set; }
    public long Rcu { get; set; }
    public long Wcu { get; set; }
    public long? MaxReadRequestUnits { get; set; }
    public long? MaxWriteRequestUnits { get; set; }

    public string HashKey => KeySchema[0].Name;
    public string? RangeKey => KeySchema.Count > 1 ? KeySchema[1].Name : null;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TableMeta))]
internal sealed partial class MetaJson : JsonSerializerContext
{
    public static byte[] Serialize(TableMeta meta) => JsonSerializer.SerializeToUtf8Bytes(meta, Default.TableMeta);

    public static TableMeta Deserialize(byte[] data) => JsonSerializer.Deserialize(data, Default.TableMeta)!;
}
