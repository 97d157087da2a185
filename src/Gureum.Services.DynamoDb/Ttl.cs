using System.Globalization;
using Gureum.Api.Dynamodb;
using Gureum.Storage;

namespace Gureum.Services.DynamoDb;

/// <summary>
/// Time to live: a background sweep on the shared clock deletes items whose TTL attribute (a number of epoch
/// seconds) lies in the past, writing REMOVE stream records attributed to dynamodb.amazonaws.com. As in AWS,
/// reads keep returning an expired item until the sweep has deleted it. The same sweep trims stream records
/// older than 24 hours.
/// </summary>
public sealed partial class DynamodbProvider
{
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly ITimer _sweepTimer;
    private int _sweeping;

    /// <summary>One pass of the background sweep; overlapping ticks are skipped. Returns the number of items deleted.</summary>
    internal async Task<int> SweepAsync()
    {
        if (Interlocked.Exchange(ref _sweeping, 1) == 1) return 0;
        try
        {
            var deleted = await SweepTtlAsync(CancellationToken.None).ConfigureAwait(false);
            await TrimStreamsAsync(CancellationToken.None).ConfigureAwait(false);
            return deleted;
        }
        catch (ObjectDisposedException)
        {
            // The store is closed: the server has shut down, so the sweep stops for good.
            _sweepTimer.Dispose();
            return 0;
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
        catch (Gureum.Core.AwsServiceException)
        {
            return 0; // e.g. an item joined a transaction meanwhile: the next tick retries
        }
        finally
        {
            Volatile.Write(ref _sweeping, 0);
        }
    }

    internal static bool IsExpired(Dictionary<string, AttributeValue>? item, string attribute, DateTimeOffset now)
    {
        if (item is null || !item.TryGetValue(attribute, out var v) || v.N is null) return false;
        if (!decimal.TryParse(v.N, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) return false;
        // AWS ignores TTL values more than five years in the past.
        var nowSeconds = now.ToUnixTimeSeconds();
        return seconds <= nowSeconds && seconds >= nowSeconds - 5L * 365 * 24 * 3600;
    }

    private async ValueTask<int> SweepTtlAsync(CancellationToken ct)
    {
        var tables = new List<TableMeta>();
        await foreach (var kv in _state.ScanAsync(MetaTable, ScanRange.All, ct).ConfigureAwait(false))
        {
            var meta = MetaJson.Deserialize(kv.Value);
            if (meta.TtlEnabled && meta.TtlAttribute is not null) tables.Add(meta);
        }
        var deleted = 0;
        foreach (var meta in tables)
        {
            var attribute = meta.TtlAttribute!;
            var now = _clock.GetUtcNow();
            var expired = new List<string>();
            await foreach (var kv in _state.ScanAsync(ItemsTable(meta), ScanRange.All, ct).ConfigureAwait(false))
            {
                if (IsExpired(Values.Decode(kv.Value), attribute, now)) expired.Add(kv.Key);
            }
            foreach (var key in expired)
            {
                var removed = false;
                if (_inTransaction.ContainsKey(meta.Id + "\n" + key)) continue; // retried on the next sweep
                await WriteItemAsync(meta, key, old =>
                {
                    // Re-checked under the item's lock: a concurrent write may have extended the TTL.
                    if (!IsExpired(old, attribute, now)) return old;
                    removed = true;
                    return null;
                }, ct, byTtl: true).ConfigureAwait(false);
                if (removed) deleted++;
            }
        }
        return deleted;
    }
}
