namespace Gureum.Protocols.Model;

/// <summary>One shape of a service model: the facts the protocols and the validator need.</summary>
public sealed class Shape
{
    public Shape(string name, ShapeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }

    public ShapeType Type { get; }

    /// <summary>Structure members in model order.</summary>
    public IReadOnlyList<Member> Members { get; internal set; } = [];

    public IReadOnlyDictionary<string, Member> MembersByName { get; internal set; } = new Dictionary<string, Member>();

    public IReadOnlySet<string> Required { get; internal set; } = new HashSet<string>();

    /// <summary>The structure member bound to the HTTP payload (REST protocols), if any.</summary>
    public string? Payload { get; internal set; }

    /// <summary>List element, or map value.</summary>
    public Member? ListMember { get; internal set; }

    public Member? MapKey { get; internal set; }

    public Member? MapValue { get; internal set; }

    public bool Flattened { get; internal set; }

    public string? LocationName { get; internal set; }

    public string? XmlNamespace { get; internal set; }

    public IReadOnlyList<string>? Enum { get; internal set; }

    public IReadOnlySet<string>? EnumSet { get; internal set; }

    public double? Min { get; internal set; }

    public double? Max { get; internal set; }

    public string? Pattern { get; internal set; }

    public string? TimestampFormat { get; internal set; }

    public bool Streaming { get; internal set; }

    public bool RequiresLength { get; internal set; }

    public bool Sensitive { get; internal set; }

    public bool Document { get; internal set; }

    public bool Union { get; internal set; }

    public bool Event { get; internal set; }

    public bool EventStream { get; internal set; }

    public bool IsException { get; internal set; }

    /// <summary>From the model's <c>error</c> trait: code, HTTP status, sender fault.</summary>
    public string? ErrorCode { get; internal set; }

    public int? ErrorHttpStatus { get; internal set; }

    public bool ErrorSenderFault { get; internal set; }

    public override string ToString() => $"{Name} ({Type})";
}
