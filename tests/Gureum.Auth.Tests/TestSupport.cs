using System.Text.Json;

namespace Gureum.Auth.Tests;

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;
    public override DateTimeOffset GetUtcNow() => Now;
}

internal sealed class Creds : ICredentialResolver
{
    private readonly Dictionary<string, SigningIdentity> _ids = new();
    public Creds Add(string akid, string secret, string account = "111122223333", string? token = null)
    {
        _ids[akid] = new SigningIdentity(akid, secret, account, $"arn:aws:iam::{account}:user/test", token);
        return this;
    }
    public SigningIdentity? Find(string accessKeyId) => _ids.GetValueOrDefault(accessKeyId);
}

/// <summary>One captured request from a real SDK (see vectors/).</summary>
internal sealed record Vector(string Name, string Method, string RawPath, string RawQuery, List<KeyValuePair<string, string>> Headers,
    byte[] Body, DateTimeOffset Now, string AccessKeyId, string Secret, string? Token, JsonElement Expect)
{
    public AuthRequest Request => new(Method, RawPath, RawQuery, Headers);
    public override string ToString() => Name;

    public string? ExpectString(string name) =>
        Expect.ValueKind == JsonValueKind.Object && Expect.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static IEnumerable<Vector> Load(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", file)));
        foreach (var v in doc.RootElement.EnumerateArray())
        {
            var headers = v.GetProperty("headers").EnumerateArray()
                .Select(h => new KeyValuePair<string, string>(h[0].GetString()!, h[1].GetString()!)).ToList();
            yield return new Vector(v.GetProperty("name").GetString()!, v.GetProperty("method").GetString()!,
                v.GetProperty("rawPath").GetString()!, v.GetProperty("rawQuery").GetString()!, headers,
                Convert.FromBase64String(v.GetProperty("bodyBase64").GetString()!), DateTimeOffset.Parse(v.GetProperty("now").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                v.GetProperty("accessKeyId").GetString()!, v.GetProperty("secretAccessKey").GetString()!,
                v.GetProperty("sessionToken").ValueKind == JsonValueKind.String ? v.GetProperty("sessionToken").GetString() : null,
                v.GetProperty("expect").Clone());
        }
    }

    public static IEnumerable<object[]> All() =>
        Load("botocore_vectors.json").Concat(Load("jssdk_vectors.json")).Select(v => new object[] { v.Name });

    public static Vector Get(string name) =>
        Load("botocore_vectors.json").Concat(Load("jssdk_vectors.json")).Single(v => v.Name == name);
}

/// <summary>Returns at most N bytes per read, to exercise every split of chunk framing.</summary>
internal sealed class TrickleStream(byte[] data, int maxRead) : Stream
{
    private int _pos;
    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, maxRead), data.Length - _pos);
        Array.Copy(data, _pos, buffer, offset, n);
        _pos += n;
        return n;
    }
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position { get => _pos; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
