using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Channels;

namespace Gureum.Services.Lambda.Runtime;

/// <summary>What an environment runs: one function version's configuration, resolved for execution.</summary>
internal sealed record FunctionSpec(
    string AccountId,
    string Region,
    string Name,
    string Version,
    string FunctionArn,
    string Runtime,
    string Handler,
    int Timeout,
    int MemorySize,
    IReadOnlyDictionary<string, string> Variables,
    string CodeDirectory,
    string LogGroup,
    string EndpointUrl,
    string RevisionId)
{
    public string PoolKey => $"{AccountId}/{Region}/{Name}/{Version}/{RevisionId}";
}

internal sealed class Invocation
{
    public required string RequestId { get; init; }
    public required byte[] Payload { get; init; }
    public required string InvokedArn { get; init; }
    public string? ClientContext { get; init; }
    public string TraceId { get; init; } = "";
    public long DeadlineMs { get; set; }
    public TaskCompletionSource<InvocationOutcome> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <param name="ErrorType">null on success; the runtime's error type otherwise.</param>
/// <param name="LogStream">The environment's CloudWatch Logs stream (null when no environment ran).</param>
internal sealed record InvocationOutcome(byte[] Payload, string? ErrorType, string Log, string? LogStream = null);

/// <summary>
/// One execution environment: a child process (the runtime-interface client or the package's
/// bootstrap) with its own Runtime API port. It serves one invocation at a time; init runs once, when
/// the process starts; the process is killed on timeout, and the environment is then discarded.
/// </summary>
internal sealed class ExecutionEnvironment : IDisposable
{
    private const string EndMark = "\u001fGUREUM-END\u001f";
    private readonly FunctionSpec _spec;
    private readonly TimeProvider _clock;
    private readonly Process _process;
    private readonly MiniHttpServer _api;
    private readonly Channel<Invocation> _queue = Channel.CreateBounded<Invocation>(1);
    private readonly SemaphoreSlim _stdoutMarks = new(0);
    private readonly SemaphoreSlim _stderrMarks = new(0);
    private readonly StringBuilder _log = new();
    private readonly object _gate = new();
    private readonly long _startedTicks = Stopwatch.GetTimestamp();
    private readonly Task _stdoutDone;
    private readonly Task _stderrDone;
    private readonly bool _usesMarks;
    private Invocation? _current;
    private byte[]? _initError;
    private string? _initErrorType;
    private double? _initDurationMs;
    private bool _initReported;
    private volatile bool _dead;

    public ExecutionEnvironment(FunctionSpec spec, TimeProvider clock, string runtimesDirectory, Action<string> onLogLine)
    {
        _spec = spec;
        _clock = clock;
        OnLogLine = onLogLine;
        _api = new MiniHttpServer(IPAddress.Loopback, HandleAsync, 8L * 1024 * 1024);
        LogStream = $"{clock.GetUtcNow():yyyy/MM/dd}/[{spec.Version}]{Guid.NewGuid():N}";
        var psi = new ProcessStartInfo
        {
            WorkingDirectory = spec.CodeDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (spec.Runtime.StartsWith("python", StringComparison.Ordinal))
        {
            psi.FileName = "python3";
            psi.ArgumentList.Add("-u");
            psi.ArgumentList.Add(Path.Combine(runtimesDirectory, "gureum_python_ric.py"));
            _usesMarks = true;
        }
        else if (spec.Runtime.StartsWith("nodejs", StringComparison.Ordinal))
        {
            psi.FileName = "node";
            psi.ArgumentList.Add(Path.Combine(runtimesDirectory, "gureum_node_ric.mjs"));
            _usesMarks = true;
        }
        else
        {
            psi.FileName = Path.Combine(spec.CodeDirectory, "bootstrap");
        }
        var env = psi.Environment;
        var path = env.TryGetValue("PATH", out var p) ? p : "/usr/local/bin:/usr/bin:/bin";
        var home = env.TryGetValue("HOME", out var h) ? h : null;
        env.Clear();
        env["PATH"] = $"{path}:{spec.CodeDirectory}";
        if (home is not null)
        {
            env["HOME"] = home;
        }
        env["LANG"] = "en_US.UTF-8";
        env["TZ"] = ":UTC";
        env["LAMBDA_TASK_ROOT"] = spec.CodeDirectory;
        env["LAMBDA_RUNTIME_DIR"] = runtimesDirectory;
        env["_HANDLER"] = spec.Handler;
        env["AWS_EXECUTION_ENV"] = $"AWS_Lambda_{spec.Runtime}";
        env["AWS_LAMBDA_FUNCTION_NAME"] = spec.Name;
        env["AWS_LAMBDA_FUNCTION_VERSION"] = spec.Version;
        env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = spec.MemorySize.ToString(CultureInfo.InvariantCulture);
        env["AWS_LAMBDA_LOG_GROUP_NAME"] = spec.LogGroup;
        env["AWS_LAMBDA_LOG_STREAM_NAME"] = LogStream;
        env["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand";
        env["AWS_LAMBDA_RUNTIME_API"] = $"127.0.0.1:{_api.Port}";
        env["AWS_REGION"] = spec.Region;
        env["AWS_DEFAULT_REGION"] = spec.Region;
        env["AWS_ACCESS_KEY_ID"] = "test";
        env["AWS_SECRET_ACCESS_KEY"] = "test";
        env["AWS_SESSION_TOKEN"] = "test";
        env["AWS_ENDPOINT_URL"] = spec.EndpointUrl;
        env["AWS_XRAY_CONTEXT_MISSING"] = "LOG_ERROR";
        env["AWS_XRAY_DAEMON_ADDRESS"] = "169.254.79.129:2000";
        if (spec.Runtime.StartsWith("nodejs", StringComparison.Ordinal))
        {
            env["NODE_PATH"] = $"/opt/nodejs/node_modules:{spec.CodeDirectory}/node_modules";
        }
        foreach (var (name, value) in spec.Variables)
        {
            env[name] = value;
        }
        _process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        _process.Exited += (_, _) => OnExited();
        try
        {
            _process.Start();
        }
        catch
        {
            _api.Dispose();
            _process.Dispose();
            throw;
        }
        _process.StandardInput.Close();
        _stdoutDone = PumpAsync(_process.StandardOutput, _stdoutMarks);
        _stderrDone = PumpAsync(_process.StandardError, _stderrMarks);
    }

    public string LogStream { get; }

    public bool IsDead => _dead;

    public DateTimeOffset IdleSince { get; set; }

    private Action<string> OnLogLine { get; }

    private async Task PumpAsync(StreamReader reader, SemaphoreSlim marks)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.EndsWith(EndMark, StringComparison.Ordinal))
                {
                    var before = line[..^EndMark.Length];
                    if (before.Length > 0)
                    {
                        AppendLog(before);
                    }
                    marks.Release();
                    continue;
                }
                AppendLog(line);
            }
        }
        catch (Exception)
        {
            // the process went away
        }
    }

    private void AppendLog(string line)
    {
        lock (_gate)
        {
            _log.Append(line).Append('\n');
        }
        OnLogLine(line);
    }

    private void AppendSystemLog(string line)
    {
        lock (_gate)
        {
            _log.Append(line).Append('\n');
        }
        OnLogLine(line);
    }

    private void OnExited()
    {
        _dead = true;
        Invocation? current;
        lock (_gate)
        {
            current = _current;
        }
        if (current is null)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            // let the pumps drain what the process wrote before it exited
            await Task.WhenAny(Task.WhenAll(_stdoutDone, _stderrDone), Task.Delay(500)).ConfigureAwait(false);
            if (_initError is not null)
            {
                current.Result.TrySetResult(new InvocationOutcome(_initError, _initErrorType ?? "Runtime.Unknown", ""));
                return;
            }
            var code = 0;
            try
            {
                code = _process.ExitCode;
            }
            catch (InvalidOperationException)
            {
            }
            var reason = code >= 0 ? $"exit status {code}" : $"signal: {-code}";
            var message = $"RequestId: {current.RequestId} Error: Runtime exited with error: {reason}";
            current.Result.TrySetResult(new InvocationOutcome(
                ErrorJson("Runtime.ExitError", message), "Runtime.ExitError", ""));
        });
    }

    private static byte[] ErrorJson(string type, string message)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("errorType", type);
            w.WriteString("errorMessage", message);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private async Task<MiniResponse> HandleAsync(MiniRequest request, CancellationToken ct)
    {
        const string prefix = "/2018-06-01/runtime/";
        if (!request.Path.StartsWith(prefix, StringComparison.Ordinal))
        {
            return MiniResponse.Json(404, "{\"errorType\":\"InvalidRequest\",\"errorMessage\":\"Unknown runtime API path\"}");
        }
        var rest = request.Path[prefix.Length..];
        if (rest == "invocation/next" && request.Method == "GET")
        {
            lock (_gate)
            {
                _initDurationMs ??= Stopwatch.GetElapsedTime(_startedTicks).TotalMilliseconds;
            }
            var invocation = await _queue.Reader.ReadAsync(ct).ConfigureAwait(false);
            var response = new MiniResponse { Status = 200, Body = invocation.Payload };
            response.Headers["Content-Type"] = "application/json";
            response.Headers["Lambda-Runtime-Aws-Request-Id"] = invocation.RequestId;
            response.Headers["Lambda-Runtime-Deadline-Ms"] = invocation.DeadlineMs.ToString(CultureInfo.InvariantCulture);
            response.Headers["Lambda-Runtime-Invoked-Function-Arn"] = invocation.InvokedArn;
            response.Headers["Lambda-Runtime-Trace-Id"] = invocation.TraceId;
            if (invocation.ClientContext is not null)
            {
                response.Headers["Lambda-Runtime-Client-Context"] = invocation.ClientContext;
            }
            return response;
        }
        if (rest == "init/error" && request.Method == "POST")
        {
            Invocation? current;
            lock (_gate)
            {
                _initError = request.Body.Length > 0 ? request.Body : ErrorJson("Runtime.Unknown", "Unknown init error");
                _initErrorType = request.Headers.GetValueOrDefault("Lambda-Runtime-Function-Error-Type") ?? "Runtime.Unknown";
                current = _current;
            }
            await WaitForOutputAsync().ConfigureAwait(false);
            current?.Result.TrySetResult(new InvocationOutcome(_initError, _initErrorType, ""));
            return MiniResponse.Json(202, "{\"status\":\"OK\"}");
        }
        if (rest.StartsWith("invocation/", StringComparison.Ordinal) && request.Method == "POST")
        {
            var parts = rest.Split('/');
            if (parts.Length == 3 && parts[2] is "response" or "error")
            {
                Invocation? current;
                lock (_gate)
                {
                    current = _current;
                }
                if (current is null || current.RequestId != parts[1])
                {
                    return MiniResponse.Json(400, "{\"errorType\":\"InvalidRequestID\",\"errorMessage\":\"Invalid request ID\"}");
                }
                if (parts[2] == "response" && request.Body.Length > 6 * 1024 * 1024)
                {
                    var message = $"Response payload size ({request.Body.Length} bytes) exceeded maximum allowed payload size (6291456 bytes).";
                    current.Result.TrySetResult(new InvocationOutcome(ErrorJson("Function.ResponseSizeTooLarge", message), "Function.ResponseSizeTooLarge", ""));
                    return MiniResponse.Json(413, "{\"errorType\":\"Function.ResponseSizeTooLarge\",\"errorMessage\":\"" + message + "\"}");
                }
                await WaitForOutputAsync().ConfigureAwait(false);
                if (parts[2] == "response")
                {
                    current.Result.TrySetResult(new InvocationOutcome(request.Body, null, ""));
                }
                else
                {
                    var type = request.Headers.GetValueOrDefault("Lambda-Runtime-Function-Error-Type") ?? "Unhandled";
                    var body = request.Body.Length > 0 ? request.Body : ErrorJson(type, "Unhandled");
                    current.Result.TrySetResult(new InvocationOutcome(body, type, ""));
                }
                return MiniResponse.Json(202, "{\"status\":\"OK\"}");
            }
        }
        return MiniResponse.Json(404, "{\"errorType\":\"InvalidRequest\",\"errorMessage\":\"Unknown runtime API path\"}");
    }

    /// <summary>
    /// The runtime wrote its end marks to stdout and stderr before posting the result; wait until both
    /// pumps read them, so the invocation's log is complete. A custom runtime writes no marks: a short grace.
    /// </summary>
    private async Task WaitForOutputAsync()
    {
        if (_usesMarks)
        {
            await _stdoutMarks.WaitAsync(1000).ConfigureAwait(false);
            await _stderrMarks.WaitAsync(200).ConfigureAwait(false);
        }
        else
        {
            await Task.Delay(15).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one invocation. The caller guarantees this environment serves nothing else meanwhile.</summary>
    public async Task<InvocationOutcome> InvokeAsync(Invocation invocation, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var timeout = TimeSpan.FromSeconds(_spec.Timeout);
        invocation.DeadlineMs = _clock.GetUtcNow().Add(timeout).ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _current = invocation;
            _log.Append("START RequestId: ").Append(invocation.RequestId).Append(" Version: ").Append(_spec.Version).Append('\n');
        }
        OnLogLine($"START RequestId: {invocation.RequestId} Version: {_spec.Version}");
        InvocationOutcome outcome;
        if (_dead && _initError is null)
        {
            outcome = new InvocationOutcome(ErrorJson("Runtime.ExitError", $"RequestId: {invocation.RequestId} Error: Runtime exited without providing a reason"), "Runtime.ExitError", "");
        }
        else
        {
            if (_initError is not null)
            {
                invocation.Result.TrySetResult(new InvocationOutcome(_initError, _initErrorType, ""));
            }
            else
            {
                await _queue.Writer.WriteAsync(invocation, ct).ConfigureAwait(false);
            }
            using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timer = Task.Delay(timeout, _clock, timeoutCts.Token);
            var winner = await Task.WhenAny(invocation.Result.Task, timer).ConfigureAwait(false);
            await timeoutCts.CancelAsync().ConfigureAwait(false);
            if (winner == invocation.Result.Task)
            {
                outcome = await invocation.Result.Task.ConfigureAwait(false);
            }
            else
            {
                Kill();
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                seconds = Math.Max(seconds, _spec.Timeout);
                var text = $"Task timed out after {seconds.ToString("F2", CultureInfo.InvariantCulture)} seconds";
                AppendSystemLog($"{_clock.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {invocation.RequestId} {text}");
                outcome = new InvocationOutcome(ErrorJson("Sandbox.Timedout", $"RequestId: {invocation.RequestId} Error: {text}"), "Sandbox.Timedout", "");
            }
        }
        var durationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        long maxMemoryMb = 0;
        try
        {
            if (!_process.HasExited)
            {
                _process.Refresh();
                maxMemoryMb = Math.Max(1, _process.PeakWorkingSet64 / (1024 * 1024));
            }
        }
        catch (InvalidOperationException)
        {
        }
        string log;
        lock (_gate)
        {
            _current = null;
            var report = new StringBuilder()
                .Append("REPORT RequestId: ").Append(invocation.RequestId)
                .Append("\tDuration: ").Append(durationMs.ToString("F2", CultureInfo.InvariantCulture)).Append(" ms")
                .Append("\tBilled Duration: ").Append((long)Math.Ceiling(durationMs)).Append(" ms")
                .Append("\tMemory Size: ").Append(_spec.MemorySize).Append(" MB")
                .Append("\tMax Memory Used: ").Append(maxMemoryMb).Append(" MB");
            if (!_initReported && _initDurationMs is { } init)
            {
                report.Append("\tInit Duration: ").Append(init.ToString("F2", CultureInfo.InvariantCulture)).Append(" ms");
                _initReported = true;
            }
            if (outcome.ErrorType is "Sandbox.Timedout" or "Runtime.ExitError")
            {
                report.Append("\tStatus: ").Append(outcome.ErrorType == "Sandbox.Timedout" ? "timeout" : "error");
            }
            report.Append('\t');
            _log.Append("END RequestId: ").Append(invocation.RequestId).Append('\n');
            _log.Append(report).Append('\n');
            log = _log.ToString();
            _log.Clear();
            OnLogLine($"END RequestId: {invocation.RequestId}");
            OnLogLine(report.ToString());
        }
        if (_initError is not null)
        {
            // an environment whose init failed is not reused (Lambda re-runs init on the next invoke)
            Kill();
        }
        return outcome with { Log = log, LogStream = LogStream };
    }

    public void Kill()
    {
        _dead = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception)
        {
            // already gone
        }
    }

    public void Dispose()
    {
        Kill();
        _api.Dispose();
        _process.Dispose();
    }
}
