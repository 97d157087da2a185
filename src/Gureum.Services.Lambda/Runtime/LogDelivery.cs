using System.Collections.Concurrent;
using System.Threading.Channels;
using Gureum.Core;

namespace Gureum.Services.Lambda.Runtime;

/// <summary>
/// Sends each invocation's log (init output, START, the function's output, END, REPORT) to CloudWatch
/// Logs through its API, as the Lambda service principal: group <c>/aws/lambda/&lt;name&gt;</c> (or the
/// function's LoggingConfig group), one stream per execution environment. The group and stream are
/// created when missing. Delivery runs in the background, in order, off the invoke path (as in AWS,
/// logs appear shortly after the invocation returns).
/// </summary>
internal sealed class LogDelivery : IDisposable
{
    private const int MaxEventsPerCall = 10_000;
    private const int MaxBytesPerCall = 1_000_000;
    private readonly IServiceClient _services;
    private readonly TimeProvider _clock;
    private readonly Channel<Batch> _queue = Channel.CreateUnbounded<Batch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);
    private readonly Task _pump;

    public LogDelivery(IServiceClient services, TimeProvider clock)
    {
        _services = services;
        _clock = clock;
        _pump = Task.Run(PumpAsync);
    }

    private sealed record Batch(FunctionSpec Spec, string Stream, long Timestamp, List<string> Lines);

    public void Enqueue(FunctionSpec spec, InvocationOutcome outcome)
    {
        if (outcome.LogStream is null || outcome.Log.Length == 0)
        {
            return;
        }
        var lines = outcome.Log.Split('\n').Where(l => l.Length > 0).ToList();
        if (lines.Count > 0)
        {
            _queue.Writer.TryWrite(new Batch(spec, outcome.LogStream, _clock.GetUtcNow().ToUnixTimeMilliseconds(), lines));
        }
    }

    /// <summary>After a reset: groups and streams must be created again.</summary>
    public void Forget() => _known.Clear();

    private async Task PumpAsync()
    {
        await foreach (var batch in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await DeliverAsync(batch).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // logs are best effort, as in AWS when the role cannot write them
            }
        }
    }

    private async Task DeliverAsync(Batch batch)
    {
        var s = batch.Spec;
        var key = $"{s.AccountId}/{s.Region}/{s.LogGroup}/{batch.Stream}";
        if (!_known.ContainsKey(key))
        {
            await IgnoreExistsAsync("CreateLogGroup", new Api.Logs.CreateLogGroupRequest { LogGroupName = s.LogGroup }.ToTree(), s).ConfigureAwait(false);
            await IgnoreExistsAsync("CreateLogStream", new Api.Logs.CreateLogStreamRequest { LogGroupName = s.LogGroup, LogStreamName = batch.Stream }.ToTree(), s).ConfigureAwait(false);
            _known[key] = true;
        }
        var events = new List<Api.Logs.InputLogEvent>();
        var bytes = 0;
        foreach (var line in batch.Lines)
        {
            var size = System.Text.Encoding.UTF8.GetByteCount(line) + 26;
            if (events.Count == MaxEventsPerCall || bytes + size > MaxBytesPerCall)
            {
                await PutAsync(s, batch.Stream, events, key).ConfigureAwait(false);
                events = [];
                bytes = 0;
            }
            events.Add(new Api.Logs.InputLogEvent { Timestamp = batch.Timestamp, Message = line.Length > 200_000 ? line[..200_000] : line });
            bytes += size;
        }
        if (events.Count > 0)
        {
            await PutAsync(s, batch.Stream, events, key).ConfigureAwait(false);
        }
    }

    private async Task PutAsync(FunctionSpec s, string stream, List<Api.Logs.InputLogEvent> events, string key)
    {
        var input = new Api.Logs.PutLogEventsRequest { LogGroupName = s.LogGroup, LogStreamName = stream, LogEvents = events }.ToTree();
        try
        {
            await CallAsync("PutLogEvents", input, s).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Code == "ResourceNotFoundException")
        {
            // deleted since we created it: create again and retry once
            _known.TryRemove(key, out _);
            await IgnoreExistsAsync("CreateLogGroup", new Api.Logs.CreateLogGroupRequest { LogGroupName = s.LogGroup }.ToTree(), s).ConfigureAwait(false);
            await IgnoreExistsAsync("CreateLogStream", new Api.Logs.CreateLogStreamRequest { LogGroupName = s.LogGroup, LogStreamName = stream }.ToTree(), s).ConfigureAwait(false);
            _known[key] = true;
            await CallAsync("PutLogEvents", input, s).ConfigureAwait(false);
        }
    }

    private async Task IgnoreExistsAsync(string operation, Dictionary<string, object?> input, FunctionSpec s)
    {
        try
        {
            await CallAsync(operation, input, s).ConfigureAwait(false);
        }
        catch (AwsServiceException e) when (e.Code == "ResourceAlreadyExistsException")
        {
        }
    }

    private ValueTask<Dictionary<string, object?>?> CallAsync(string operation, Dictionary<string, object?> input, FunctionSpec s) =>
        _services.InvokeAsync(new ServiceCall("logs", operation, input, s.AccountId, s.Region,
            ServiceCall.ServicePrincipal("lambda.amazonaws.com", s.AccountId), s.EndpointUrl), CancellationToken.None);

    public void Dispose()
    {
        _queue.Writer.TryComplete();
    }
}
