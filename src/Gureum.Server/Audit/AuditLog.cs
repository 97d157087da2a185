using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Gureum.Storage;

namespace Gureum.Server.Audit;

/// <summary>
/// The audit trail: every request becomes an event, queued without blocking the request and
/// committed to the state store in batches by one background writer.
/// Key = zero-padded event time ticks + event id, so scans come out in time order.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    public const string Table = "gureum/audit";
    private readonly IStateStore _store;
    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _writer;

    private readonly int _maxEvents;
    private long _stored = -1;

    /// <param name="maxEvents">
    /// Retention: the oldest events are dropped beyond this count, so a long-running server's trail
    /// (memory in --in-memory mode, disk otherwise) stays bounded.
    /// </param>
    public AuditLog(IStateStore store, int maxEvents = 1_000_000)
    {
        _store = store;
        _maxEvents = maxEvents;
        _writer = Task.Run(WriteLoopAsync);
    }

    public void Record(AuditEvent e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            _ = _queue.Writer.WriteAsync(e).AsTask();
        }
    }

    /// <summary>Waits until everything recorded so far is committed (tests, reads of /_gureum/audit).</summary>
    public async Task FlushAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while ((_queue.Reader.Count > 0 || _pending > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    private int _pending;

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        // One buffer and one JSON writer for the life of the writer loop, reset per event: the
        // stored value is still a fresh array per event, but nothing else is allocated.
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(buffer);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new WriteBatch();
            var count = 0;
            Interlocked.Exchange(ref _pending, 1);
            while (count < 1000 && reader.TryRead(out var e))
            {
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                AuditJson.Write(json, e);
                json.Flush();
                batch.Put(Table, Key(e), buffer.WrittenSpan.ToArray());
                count++;
            }
            try
            {
                await _store.CommitAsync(batch).ConfigureAwait(false);
                await TrimAsync(count).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                await Console.Error.WriteLineAsync($"audit: failed to store {count} event(s): {ex.Message}").ConfigureAwait(false);
            }
            Interlocked.Exchange(ref _pending, 0);
        }
    }

    /// <summary>Drops the oldest events once the trail holds more than its retention count.</summary>
    private async Task TrimAsync(int added)
    {
        if (_stored < 0)
        {
            _stored = await _store.CountAsync(Table).ConfigureAwait(false);
        }
        else
        {
            _stored += added;
        }
        // Trim in chunks of a tenth of the cap, so trimming is rare and each pass is one scan.
        if (_stored <= _maxEvents)
        {
            return;
        }
        var excess = (int)Math.Min(_stored - _maxEvents + _maxEvents / 10, int.MaxValue);
        var trim = new WriteBatch();
        var removed = 0;
        await foreach (var (key, _) in _store.ScanAsync(Table, new ScanRange { Limit = excess }).ConfigureAwait(false))
        {
            trim.Delete(Table, key);
            removed++;
        }
        await _store.CommitAsync(trim).ConfigureAwait(false);
        _stored -= removed;
    }

    private static string Key(AuditEvent e) =>
        e.EventTime.UtcTicks.ToString("D20", CultureInfo.InvariantCulture) + "-" + e.EventId;

    /// <summary>Writes the matching events as {"Events":[...]} (oldest first), at most <paramref name="limit"/>.</summary>
    public async Task WriteQueryAsync(Stream output, string? service, string? operation, DateTimeOffset? from, DateTimeOffset? to,
        bool errorsOnly, int limit, CancellationToken ct)
    {
        await FlushAsync().ConfigureAwait(false);
        var range = new ScanRange
        {
            FromKey = from is { } f ? f.UtcTicks.ToString("D20", CultureInfo.InvariantCulture) : null,
            ToKeyExclusive = to is { } t ? (t.UtcTicks + 1).ToString("D20", CultureInfo.InvariantCulture) : null,
        };
        await using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteStartArray("Events");
        var written = 0;
        await foreach (var (_, value) in _store.ScanAsync(Table, range, ct).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            if (service is not null && !Matches(root, "eventSource", service) ||
                operation is not null && root.GetProperty("eventName").GetString() != operation ||
                errorsOnly && !root.TryGetProperty("errorCode", out _))
            {
                continue;
            }
            root.WriteTo(writer);
            if (++written >= limit)
            {
                break;
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>"sqs" matches eventSource "sqs.amazonaws.com".</summary>
    private static bool Matches(JsonElement root, string property, string service)
    {
        var source = root.GetProperty(property).GetString() ?? "";
        return source == service || source.StartsWith(service + ".", StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
