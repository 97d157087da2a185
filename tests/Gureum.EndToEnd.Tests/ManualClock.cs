namespace Gureum.EndToEnd.Tests;

/// <summary>A clock tests can move: the server's one TimeProvider, offset from real time.</summary>
public sealed class ManualClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
