using System.Globalization;
using System.Text;
using System.Threading.Channels;

namespace Gureum.Server.Pipeline;

/// <summary>
/// One structured line per request on stdout (logfmt), written by a background task so a slow
/// terminal never slows requests down.
/// </summary>
public sealed class RequestLog
{
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });

    public RequestLog(bool enabled)
    {
        Enabled = enabled;
        if (enabled)
        {
            _ = Task.Run(WriteLoopAsync);
        }
    }

    public bool Enabled { get; }

    public void Write(string requestId, string service, string operation, int status, string? errorCode,
        double latencyMs, string account, string region)
    {
        if (!Enabled)
        {
            return;
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"ts={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} request_id={requestId} service={service} operation={operation} status={status} error={errorCode ?? "-"} latency_ms={latencyMs:0.###} account={account} region={region}");
        _lines.Writer.TryWrite(line);
    }

    public void Error(string message)
    {
        _lines.Writer.TryWrite($"ts={DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} level=error {message}");
        if (!Enabled)
        {
            Console.Error.WriteLine(message);
        }
    }

    private async Task WriteLoopAsync()
    {
        var stdout = Console.OpenStandardOutput();
        var builder = new StringBuilder();
        while (await _lines.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            builder.Clear();
            while (builder.Length < 64 * 1024 && _lines.Reader.TryRead(out var line))
            {
                builder.Append(line).Append('\n');
            }
            var bytes = Encoding.UTF8.GetBytes(builder.ToString());
            await stdout.WriteAsync(bytes).ConfigureAwait(false);
            await stdout.FlushAsync().ConfigureAwait(false);
        }
    }
}
