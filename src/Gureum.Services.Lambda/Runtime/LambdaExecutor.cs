using System.Collections.Concurrent;
using System.ComponentModel;
using System.Text;

namespace Gureum.Services.Lambda.Runtime;

/// <summary>
/// The execution environments of every function version: warm ones are reused (init ran once), a new
/// one starts when all are busy (scale-out under concurrent load), idle ones are reaped after
/// <see cref="IdleTimeout"/>. Concurrency is limited per account and region, and per function when it
/// has reserved concurrency.
/// </summary>
internal sealed class LambdaExecutor : IDisposable
{
    private readonly ConcurrentDictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RecentLog> _logs = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly string _runtimesDirectory;
    private readonly ITimer _reaper;

    public LambdaExecutor(TimeProvider clock, string runtimesDirectory, TimeSpan idleTimeout, int accountConcurrency)
    {
        _clock = clock;
        _runtimesDirectory = runtimesDirectory;
        IdleTimeout = idleTimeout;
        AccountConcurrency = accountConcurrency;
        var period = TimeSpan.FromSeconds(Math.Clamp(idleTimeout.TotalSeconds / 4, 1, 30));
        _reaper = clock.CreateTimer(_ => Reap(), null, period, period);
    }

    public TimeSpan IdleTimeout { get; }

    public int AccountConcurrency { get; }

    public int EnvironmentCount(string poolPrefix) =>
        _pools.Where(p => p.Key.StartsWith(poolPrefix, StringComparison.Ordinal)).Sum(p => p.Value.Total);

    public int Running(string accountRegion) => _running.TryGetValue(accountRegion, out var box) ? box.Value : 0;

    /// <summary>Runs one invocation in a warm or new environment; throws TooManyRequests when over the limits.</summary>
    public async Task<InvocationOutcome> InvokeAsync(FunctionSpec spec, Invocation invocation, int? reserved, CancellationToken ct)
    {
        var account = _running.GetOrAdd($"{spec.AccountId}/{spec.Region}", _ => new StrongBox());
        var function = _running.GetOrAdd($"{spec.AccountId}/{spec.Region}/{spec.Name}", _ => new StrongBox());
        if (Interlocked.Increment(ref account.Value) > AccountConcurrency)
        {
            Interlocked.Decrement(ref account.Value);
            throw LambdaErrors.TooManyRequests("ConcurrentInvocationLimitExceeded");
        }
        if (Interlocked.Increment(ref function.Value) > (reserved ?? int.MaxValue))
        {
            Interlocked.Decrement(ref function.Value);
            Interlocked.Decrement(ref account.Value);
            throw LambdaErrors.TooManyRequests("ReservedFunctionConcurrentInvocationLimitExceeded");
        }
        try
        {
            var pool = _pools.GetOrAdd(spec.PoolKey, _ => new Pool());
            var environment = pool.TakeIdle();
            if (environment is null)
            {
                var log = _logs.GetOrAdd($"{spec.AccountId}/{spec.Region}/{spec.Name}", _ => new RecentLog());
                try
                {
                    environment = new ExecutionEnvironment(spec, _clock, _runtimesDirectory, log.Append);
                }
                catch (Exception e) when (e is Win32Exception or FileNotFoundException or DirectoryNotFoundException)
                {
                    var message = spec.Runtime.StartsWith("provided", StringComparison.Ordinal)
                        ? $"RequestId: {invocation.RequestId} Error: Couldn't find valid bootstrap(s): [{spec.CodeDirectory}/bootstrap /opt/bootstrap]"
                        : $"RequestId: {invocation.RequestId} Error: could not start the {spec.Runtime} runtime: {e.Message}";
                    var body = Encoding.UTF8.GetBytes(
                        $"{{\"errorType\":\"Runtime.InvalidEntrypoint\",\"errorMessage\":{System.Text.Json.JsonSerializer.Serialize(message, LambdaJson.Default.String)}}}");
                    return new InvocationOutcome(body, "Runtime.InvalidEntrypoint", "");
                }
                pool.Started();
            }
            InvocationOutcome outcome;
            try
            {
                outcome = await environment.InvokeAsync(invocation, ct).ConfigureAwait(false);
            }
            catch
            {
                pool.Discard(environment);
                throw;
            }
            if (environment.IsDead)
            {
                pool.Discard(environment);
            }
            else
            {
                environment.IdleSince = _clock.GetUtcNow();
                pool.Return(environment);
            }
            return outcome;
        }
        finally
        {
            Interlocked.Decrement(ref function.Value);
            Interlocked.Decrement(ref account.Value);
        }
    }

    /// <summary>The function's recent log lines (START/END/REPORT and its output), newest last.</summary>
    public string RecentLogs(string accountId, string region, string name) =>
        _logs.TryGetValue($"{accountId}/{region}/{name}", out var log) ? log.Text() : "";

    /// <summary>Stops the environments of pools whose key starts with the prefix (code/config changed, function deleted).</summary>
    public void Retire(string poolPrefix, string? keepKey = null)
    {
        foreach (var (key, pool) in _pools)
        {
            if (key.StartsWith(poolPrefix, StringComparison.Ordinal) && key != keepKey && _pools.TryRemove(key, out _))
            {
                pool.Retire();
            }
        }
    }

    private void Reap()
    {
        var cutoff = _clock.GetUtcNow() - IdleTimeout;
        foreach (var pool in _pools.Values)
        {
            pool.Reap(cutoff);
        }
    }

    public void Dispose()
    {
        _reaper.Dispose();
        foreach (var pool in _pools.Values)
        {
            pool.Retire();
        }
        _pools.Clear();
    }

    private sealed class StrongBox
    {
        public int Value;
    }

    private sealed class Pool
    {
        private readonly Stack<ExecutionEnvironment> _idle = new();
        private bool _retired;
        private int _total;

        public int Total => Volatile.Read(ref _total);

        public ExecutionEnvironment? TakeIdle()
        {
            lock (_idle)
            {
                while (_idle.TryPop(out var environment))
                {
                    if (!environment.IsDead)
                    {
                        return environment;
                    }
                    _total--;
                    environment.Dispose();
                }
                return null;
            }
        }

        public void Started()
        {
            lock (_idle)
            {
                _total++;
            }
        }

        public void Return(ExecutionEnvironment environment)
        {
            lock (_idle)
            {
                if (!_retired)
                {
                    _idle.Push(environment);
                    return;
                }
                _total--;
            }
            environment.Dispose();
        }

        public void Discard(ExecutionEnvironment environment)
        {
            lock (_idle)
            {
                _total--;
            }
            environment.Dispose();
        }

        public void Reap(DateTimeOffset cutoff)
        {
            List<ExecutionEnvironment> stale;
            lock (_idle)
            {
                stale = _idle.Where(e => e.IdleSince < cutoff || e.IsDead).ToList();
                if (stale.Count == 0)
                {
                    return;
                }
                var keep = _idle.Where(e => !stale.Contains(e)).Reverse().ToList();
                _idle.Clear();
                foreach (var e in keep)
                {
                    _idle.Push(e);
                }
                _total -= stale.Count;
            }
            foreach (var e in stale)
            {
                e.Dispose();
            }
        }

        public void Retire()
        {
            List<ExecutionEnvironment> idle;
            lock (_idle)
            {
                _retired = true;
                idle = [.. _idle];
                _idle.Clear();
                _total -= idle.Count;
            }
            foreach (var e in idle)
            {
                e.Dispose();
            }
        }
    }

    /// <summary>The last 256 KB of a function's log lines, for reading without CloudWatch Logs.</summary>
    private sealed class RecentLog
    {
        private const int MaxChars = 256 * 1024;
        private readonly StringBuilder _text = new();

        public void Append(string line)
        {
            lock (_text)
            {
                _text.Append(line).Append('\n');
                if (_text.Length > MaxChars)
                {
                    _text.Remove(0, _text.Length - MaxChars / 2);
                }
            }
        }

        public string Text()
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }
}
