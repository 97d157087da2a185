using Gureum.Server.Audit;
using Gureum.Storage;

namespace Gureum.EndToEnd.Tests;

/// <summary>The audit trail keeps the newest events up to its retention count.</summary>
public sealed class AuditRetentionTests
{
    [Fact]
    public async Task OldestEventsAreDroppedBeyondTheCap()
    {
        var (state, _) = StorageFactory.InMemory();
        await using var audit = new AuditLog(state, maxEvents: 100);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 250; i++)
        {
            audit.Record(new AuditEvent
            {
                EventId = $"e{i:D4}",
                EventTime = start.AddSeconds(i),
                EventSource = "sts.amazonaws.com",
                EventName = "GetCallerIdentity",
                AwsRegion = "us-east-1",
                SourceIpAddress = "127.0.0.1",
                RequestId = $"r{i:D4}",
                AccountId = "000000000000",
                IdentityType = "Root",
                EventCategory = "Management",
                HttpStatus = 200,
            });
            if (i % 50 == 49)
            {
                await audit.FlushAsync();
            }
        }
        await audit.FlushAsync();
        var count = await state.CountAsync(AuditLog.Table);
        Assert.InRange(count, 1, 100);
        var newest = new List<string>();
        await foreach (var (key, _) in state.ScanAsync(AuditLog.Table, new ScanRange { Descending = true, Limit = 1 }))
        {
            newest.Add(key);
        }
        Assert.EndsWith("-e0249", Assert.Single(newest), StringComparison.Ordinal);
    }
}
