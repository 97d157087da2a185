using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gureum.Core;
using Gureum.Storage;

namespace Gureum.Services.Sts;

/// <summary>Temporary credentials as stored (table "sts", key "&lt;account&gt;/session/&lt;ASIA id&gt;").</summary>
public sealed class SessionRecord
{
    public string Id { get; set; } = "";
    public string Secret { get; set; } = "";
    public string Token { get; set; } = "";
    public string Account { get; set; } = "";
    public string Arn { get; set; } = "";
    public string UserId { get; set; } = "";
    public DateTimeOffset Expiration { get; set; }
    public string? SourceIdentity { get; set; }
    public Dictionary<string, string>? Tags { get; set; }
    public List<string>? TransitiveTagKeys { get; set; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SessionRecord))]
internal sealed partial class StsJson : JsonSerializerContext
{
}

/// <summary>
/// STS's private store of issued temporary credentials: an in-memory index (read by the credential
/// resolver) in step with table <c>sts</c>; sessions are committed before they are handed out, so they
/// survive a restart until they expire. Expired sessions are dropped at start-up.
/// </summary>
internal sealed class StsSessions
{
    private const string Table = "sts";
    private readonly IStateStore _store;
    private readonly ConcurrentDictionary<string, (SessionRecord Record, DirectoryCredential Credential)> _index = new(StringComparer.Ordinal);

    public StsSessions(IStateStore store) => _store = store;

    public async Task LoadAsync(DateTimeOffset now)
    {
        var expired = new List<string>();
        await foreach (var (key, value) in _store.ScanAsync(Table, ScanRange.All).ConfigureAwait(false))
        {
            var record = JsonSerializer.Deserialize(value, StsJson.Default.SessionRecord)!;
            if (record.Expiration <= now)
            {
                expired.Add(key);
                continue;
            }
            Index(record);
        }
        if (expired.Count > 0)
        {
            var batch = new WriteBatch();
            foreach (var key in expired)
            {
                batch.Delete(Table, key);
            }
            await _store.CommitAsync(batch).ConfigureAwait(false);
        }
    }

    public async ValueTask AddAsync(SessionRecord record)
    {
        var batch = new WriteBatch().Put(Table, $"{record.Account}/session/{record.Id}",
            JsonSerializer.SerializeToUtf8Bytes(record, StsJson.Default.SessionRecord));
        await _store.CommitAsync(batch).ConfigureAwait(false);
        Index(record);
    }

    public DirectoryCredential? Find(string accessKeyId) => _index.TryGetValue(accessKeyId, out var entry) ? entry.Credential : null;

    public SessionRecord? FindRecord(string accessKeyId) => _index.TryGetValue(accessKeyId, out var entry) ? entry.Record : null;

    public void Clear() => _index.Clear();

    private void Index(SessionRecord record) =>
        _index[record.Id] = (record, new DirectoryCredential(record.Id, record.Secret, record.Account, record.Arn, record.UserId,
            record.Token, record.Expiration, Active: true));
}
