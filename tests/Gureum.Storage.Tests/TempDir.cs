namespace Gureum.Storage.Tests;

internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "gureum-storage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

internal static class Bytes
{
    public static byte[] Of(string s) => System.Text.Encoding.UTF8.GetBytes(s);

    public static string Str(byte[]? b) => b is null ? "<null>" : System.Text.Encoding.UTF8.GetString(b);
}
