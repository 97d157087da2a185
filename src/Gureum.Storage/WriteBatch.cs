namespace Gureum.Storage;

public enum WriteKind { Put, Delete }

public enum PreconditionKind { Exists, Absent, ValueEquals }

public sealed class WriteOp
{
    internal WriteOp(WriteKind kind, string table, string key, byte[]? value)
    {
        Kind = kind; Table = table; Key = key; Value = value;
        KeyBytes = KeyCodec.Encode(key);
    }

    public WriteKind Kind { get; }
    public string Table { get; }
    public string Key { get; }
    public byte[]? Value { get; }
    // Encoded once when the op is added, so invalid keys fail at the call site, not on the writer thread.
    internal byte[] KeyBytes { get; }
}

public sealed class Precondition
{
    internal Precondition(PreconditionKind kind, string table, string key, byte[]? expected)
    {
        Kind = kind; Table = table; Key = key; Expected = expected;
        KeyBytes = KeyCodec.Encode(key);
    }

    public PreconditionKind Kind { get; }
    public string Table { get; }
    public string Key { get; }
    public byte[]? Expected { get; }
    internal byte[] KeyBytes { get; }

    internal bool IsSatisfiedBy(byte[]? current) => Kind switch
    {
        PreconditionKind.Exists => current is not null,
        PreconditionKind.Absent => current is null,
        _ => current is not null && current.AsSpan().SequenceEqual(Expected),
    };
}

/// <summary>
/// Puts and deletes (applied in order) plus preconditions (all checked against the state before the batch).
/// The batch takes ownership of value arrays: do not mutate them after adding.
/// </summary>
public sealed class WriteBatch
{
    private readonly List<WriteOp> _ops = [];
    private readonly List<Precondition> _preconditions = [];

    public IReadOnlyList<WriteOp> Operations => _ops;
    public IReadOnlyList<Precondition> Preconditions => _preconditions;

    public WriteBatch Put(string table, string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _ops.Add(new WriteOp(WriteKind.Put, KeyCodec.CheckTable(table), key, value));
        return this;
    }

    public WriteBatch Delete(string table, string key)
    {
        _ops.Add(new WriteOp(WriteKind.Delete, KeyCodec.CheckTable(table), key, null));
        return this;
    }

    public WriteBatch RequireExists(string table, string key) =>
        AddPrecondition(new Precondition(PreconditionKind.Exists, KeyCodec.CheckTable(table), key, null));

    public WriteBatch RequireAbsent(string table, string key) =>
        AddPrecondition(new Precondition(PreconditionKind.Absent, KeyCodec.CheckTable(table), key, null));

    /// <summary>Optimistic concurrency: the key must currently hold exactly <paramref name="expected"/>.</summary>
    public WriteBatch RequireValue(string table, string key, byte[] expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        return AddPrecondition(new Precondition(PreconditionKind.ValueEquals, KeyCodec.CheckTable(table), key, expected));
    }

    private WriteBatch AddPrecondition(Precondition p)
    {
        _preconditions.Add(p);
        return this;
    }
}
