using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gureum.Services.Lambda.Runtime;

internal sealed class MiniRequest
{
    public string Method { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public byte[] Body { get; set; } = [];
}

internal sealed class MiniResponse
{
    public int Status { get; init; } = 200;
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);
    public byte[]? Body { get; init; }
    public Stream? BodyStream { get; init; }

    public static MiniResponse Json(int status, string json) =>
        new() { Status = status, Body = Encoding.UTF8.GetBytes(json), Headers = { ["Content-Type"] = "application/json" } };
}

/// <summary>
/// A minimal HTTP/1.1 server on one loopback port: keep-alive, Content-Length and chunked request
/// bodies. Each Lambda execution environment gets its own (AWS_LAMBDA_RUNTIME_API is host:port, so the
/// port identifies the environment), and it serves the code download URLs. Kestrel would need one
/// application per port; this starts in microseconds and has no dependencies.
/// </summary>
internal sealed class MiniHttpServer : IDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private readonly TcpListener _listener;
    private readonly Func<MiniRequest, CancellationToken, Task<MiniResponse>> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly long _maxBody;

    public MiniHttpServer(IPAddress address, Func<MiniRequest, CancellationToken, Task<MiniResponse>> handler, long maxBody = 16L * 1024 * 1024)
    {
        _handler = handler;
        _maxBody = maxBody;
        _listener = new TcpListener(address, 0);
        _listener.Start(64);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                return;
            }
            client.NoDelay = true;
            lock (_clients)
            {
                _clients.Add(client);
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            using var stream = client.GetStream();
            var reader = new ByteReader(stream);
            while (!_stop.IsCancellationRequested)
            {
                var request = await ReadRequestAsync(reader).ConfigureAwait(false);
                if (request is null)
                {
                    return;
                }
                MiniResponse response;
                try
                {
                    response = await _handler(request, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (Exception e)
                {
                    response = MiniResponse.Json(500, $"{{\"errorMessage\":\"{e.GetType().Name}\",\"errorType\":\"ServiceException\"}}");
                }
                await WriteResponseAsync(stream, response).ConfigureAwait(false);
                if (request.Headers.TryGetValue("Connection", out var conn) && conn.Equals("close", StringComparison.OrdinalIgnoreCase))
                {
                    return;
                }
            }
        }
        catch (Exception)
        {
            // connection reset, malformed request, shutdown: drop the connection
        }
        finally
        {
            lock (_clients)
            {
                _clients.Remove(client);
            }
            client.Dispose();
        }
    }

    private async Task<MiniRequest?> ReadRequestAsync(ByteReader reader)
    {
        var line = await reader.ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false);
        if (line is null)
        {
            return null;
        }
        var parts = line.Split(' ');
        if (parts.Length < 3)
        {
            throw new InvalidDataException("bad request line");
        }
        var target = parts[1];
        var q = target.IndexOf('?', StringComparison.Ordinal);
        var request = new MiniRequest
        {
            Method = parts[0],
            Path = Uri.UnescapeDataString(q < 0 ? target : target[..q]),
            Query = q < 0 ? "" : target[(q + 1)..],
        };
        var headerBytes = 0;
        while (true)
        {
            var header = await reader.ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false) ?? throw new InvalidDataException("eof in headers");
            if (header.Length == 0)
            {
                break;
            }
            headerBytes += header.Length;
            if (headerBytes > MaxHeaderBytes)
            {
                throw new InvalidDataException("headers too large");
            }
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                request.Headers[header[..colon].Trim()] = header[(colon + 1)..].Trim();
            }
        }
        if (request.Headers.TryGetValue("Transfer-Encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await reader.ReadLineAsync(1024).ConfigureAwait(false) ?? throw new InvalidDataException("eof in chunk");
                var semi = sizeLine.IndexOf(';', StringComparison.Ordinal);
                var size = Convert.ToInt64((semi < 0 ? sizeLine : sizeLine[..semi]).Trim(), 16);
                if (size == 0)
                {
                    while (!string.IsNullOrEmpty(await reader.ReadLineAsync(MaxHeaderBytes).ConfigureAwait(false)))
                    {
                    }
                    break;
                }
                if (body.Length + size > _maxBody)
                {
                    throw new InvalidDataException("body too large");
                }
                await reader.CopyExactlyAsync(body, size).ConfigureAwait(false);
                await reader.ReadLineAsync(16).ConfigureAwait(false);
            }
            request.Body = body.ToArray();
        }
        else if (request.Headers.TryGetValue("Content-Length", out var cl) && long.TryParse(cl, out var length) && length > 0)
        {
            if (length > _maxBody)
            {
                throw new InvalidDataException("body too large");
            }
            var body = new MemoryStream((int)length);
            await reader.CopyExactlyAsync(body, length).ConfigureAwait(false);
            request.Body = body.ToArray();
        }
        return request;
    }

    private static async Task WriteResponseAsync(Stream stream, MiniResponse response)
    {
        var length = response.Body?.Length ?? response.BodyStream?.Length ?? 0;
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(Reason(response.Status)).Append("\r\n");
        foreach (var (name, value) in response.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        head.Append("Content-Length: ").Append(length).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
        if (response.Body is not null)
        {
            await stream.WriteAsync(response.Body).ConfigureAwait(false);
        }
        else if (response.BodyStream is not null)
        {
            await using (response.BodyStream.ConfigureAwait(false))
            {
                await response.BodyStream.CopyToAsync(stream).ConfigureAwait(false);
            }
        }
        await stream.FlushAsync().ConfigureAwait(false);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 202 => "Accepted", 400 => "Bad Request", 403 => "Forbidden", 404 => "Not Found",
        413 => "Payload Too Large", 500 => "Internal Server Error", _ => "Status",
    };

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
            _clients.Clear();
        }
    }

    /// <summary>Buffered reads of lines and exact byte counts from a network stream.</summary>
    private sealed class ByteReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        private async Task<bool> FillAsync()
        {
            if (_start > 0 && _start == _end)
            {
                _start = _end = 0;
            }
            if (_end == _buffer.Length)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var read = await stream.ReadAsync(_buffer.AsMemory(_end)).ConfigureAwait(false);
            _end += read;
            return read > 0;
        }

        public async Task<string?> ReadLineAsync(int max)
        {
            var line = new List<byte>();
            while (true)
            {
                for (var i = _start; i < _end; i++)
                {
                    if (_buffer[i] == (byte)'\n')
                    {
                        line.AddRange(_buffer.AsSpan(_start, i - _start).ToArray());
                        _start = i + 1;
                        if (line.Count > 0 && line[^1] == (byte)'\r')
                        {
                            line.RemoveAt(line.Count - 1);
                        }
                        return Encoding.UTF8.GetString(line.ToArray());
                    }
                }
                line.AddRange(_buffer.AsSpan(_start, _end - _start).ToArray());
                _start = _end;
                if (line.Count > max)
                {
                    throw new InvalidDataException("line too long");
                }
                if (!await FillAsync().ConfigureAwait(false))
                {
                    return line.Count == 0 ? null : throw new InvalidDataException("eof in line");
                }
            }
        }

        public async Task CopyExactlyAsync(Stream target, long count)
        {
            while (count > 0)
            {
                if (_start == _end && !await FillAsync().ConfigureAwait(false))
                {
                    throw new InvalidDataException("eof in body");
                }
                var take = (int)Math.Min(count, _end - _start);
                target.Write(_buffer, _start, take);
                _start += take;
                count -= take;
            }
        }
    }
}
