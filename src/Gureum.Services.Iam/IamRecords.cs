using System.Text.Json.Serialization;

namespace Gureum.Services.Iam;

// The stored shape of IAM entities (table "iam", keys "<account>/<kind>/<lower-case name or id>").
// Version 1 of the format; add members compatibly (System.Text.Json ignores unknown ones).

public sealed class TagRecord
{
    public string Key { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed class UserRecord
{
    public string Name { get; set; } = "";
    public string Path { get; set; } = "/";
    public string Id { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string? Boundary { get; set; }
    public List<TagRecord> Tags { get; set; } = [];
    public Dictionary<string, string> Inline { get; set; } = new(StringComparer.Ordinal);
    public List<string> Attached { get; set; } = [];
}

public sealed class GroupRecord
{
    public string Name { get; set; } = "";
    public string Path { get; set; } = "/";
    public string Id { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public Dictionary<string, string> Inline { get; set; } = new(StringComparer.Ordinal);
    public List<string> Attached { get; set; } = [];
    /// <summary>Member user names, in the order they were added.</summary>
    public List<string> Members { get; set; } = [];
}

public sealed class RoleRecord
{
    public string Name { get; set; } = "";
    public string Path { get; set; } = "/";
    public string Id { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string TrustPolicy { get; set; } = "";
    public string? Description { get; set; }
    public int MaxSessionDuration { get; set; } = 3600;
    public string? Boundary { get; set; }
    public List<TagRecord> Tags { get; set; } = [];
    public Dictionary<string, string> Inline { get; set; } = new(StringComparer.Ordinal);
    public List<string> Attached { get; set; } = [];
    public DateTimeOffset? LastUsed { get; set; }
    public string? LastUsedRegion { get; set; }
}

public sealed class PolicyVersionRecord
{
    public string Id { get; set; } = "";
    public string Document { get; set; } = "";
    public DateTimeOffset Created { get; set; }
}

public sealed class PolicyRecord
{
    public string Name { get; set; } = "";
    public string Path { get; set; } = "/";
    public string Id { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset Updated { get; set; }
    public string? Description { get; set; }
    public string DefaultVersion { get; set; } = "v1";
    public int NextVersion { get; set; } = 2;
    public List<PolicyVersionRecord> Versions { get; set; } = [];
    public List<TagRecord> Tags { get; set; } = [];
}

public sealed class AccessKeyRecord
{
    public string Id { get; set; } = "";
    public string Secret { get; set; } = "";
    public string UserName { get; set; } = "";
    public string Status { get; set; } = "Active";
    public DateTimeOffset Created { get; set; }
    public DateTimeOffset? LastUsed { get; set; }
    public string? LastUsedService { get; set; }
    public string? LastUsedRegion { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UserRecord))]
[JsonSerializable(typeof(GroupRecord))]
[JsonSerializable(typeof(RoleRecord))]
[JsonSerializable(typeof(PolicyRecord))]
[JsonSerializable(typeof(AccessKeyRecord))]
internal sealed partial class IamJson : JsonSerializerContext
{
}
