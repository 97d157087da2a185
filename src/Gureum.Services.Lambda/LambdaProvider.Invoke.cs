using System.Text;
using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;
using Gureum.Services.Lambda.Runtime;

namespace Gureum.Services.Lambda;

/// <summary>Invoke: synchronous (RequestResponse), asynchronous (Event: queue + retries) and DryRun.</summary>
public sealed partial class LambdaProvider
{
    internal const int SyncPayloadLimit = 6 * 1024 * 1024;
    internal const int AsyncPayloadLimit = 256 * 1024;
    private const int DefaultAsyncRetries = 2;
    private const int TailBytes = 4096;

    public override async ValueTask<InvocationResponse> InvokeAsync(RequestContext context, InvocationRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        if (q is not null && request.Qualifier is not null && q != request.Qualifier)
        {
            throw LambdaErrors.InvalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
        }
        var type = request.InvocationType ?? "RequestResponse";
        var payload = request.Payload ?? [];
        if (type == "Event" && payload.Length > AsyncPayloadLimit)
        {
            throw new AwsServiceException("RequestEntityTooLargeException",
                $"{payload.Length} byte payload is too large for the Event invocation type (limit {AsyncPayloadLimit} bytes)", 413);
        }
        if (payload.Length > SyncPayloadLimit)
        {
            throw new AwsServiceException("RequestEntityTooLargeException",
                $"Request must be smaller than {SyncPayloadLimit} bytes for the InvokeFunction operation", 413);
        }
        CheckJson(payload);
        string? clientContext = null;
        if (request.ClientContext is { Length: > 0 } encoded)
        {
            try
            {
                clientContext = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
                using var _ = JsonDocument.Parse(clientContext);
            }
            catch (Exception e) when (e is FormatException or JsonException)
            {
                throw new InvalidRequestContentException("Client context must be a valid Base64-encoded JSON object.") { Type = "User" };
            }
        }
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var version = ResolveVersion(context, f, qualifier, out _);
        if (type == "DryRun")
        {
            return new InvocationResponse { StatusCode = 204 };
        }
        if (!RunnableRuntimes.Contains(version.Runtime))
        {
            throw new InvalidRuntimeException($"The runtime parameter of {version.Runtime} is not supported by Gureum: functions run as local processes with python3, node or the package's bootstrap (runtimes: {string.Join(", ", RunnableRuntimes.Order(StringComparer.Ordinal))}).") { Type = "User" };
        }
        var spec = await BuildSpecAsync(context, f, version, ct).ConfigureAwait(false);
        var invokedArn = qualifier is null ? FunctionArn(context, name) : $"{FunctionArn(context, name)}:{qualifier}";
        if (payload.Length == 0)
        {
            payload = "{}"u8.ToArray();
        }
        if (type == "Event")
        {
            _ = RunAsyncInvocationAsync(spec, context.RequestId, payload, invokedArn, clientContext, f.ReservedConcurrency,
                BuildAsyncTarget(context, f, version, qualifier));
            return new InvocationResponse { StatusCode = 202, Payload = [] };
        }
        var invocation = new Invocation
        {
            RequestId = context.RequestId,
            Payload = payload,
            InvokedArn = invokedArn,
            ClientContext = clientContext,
            TraceId = NewTraceId(),
        };
        var outcome = await _executor.InvokeAsync(spec, invocation, f.ReservedConcurrency, ct).ConfigureAwait(false);
        _logDelivery.Enqueue(spec, outcome);
        return new InvocationResponse
        {
            StatusCode = 200,
            Payload = outcome.Payload,
            FunctionError = outcome.ErrorType is null ? null : "Unhandled",
            ExecutedVersion = version.Version,
            LogResult = request.LogType == "Tail" ? Tail(outcome.Log) : null,
        };
    }

    private static void CheckJson(byte[] payload)
    {
        if (payload.Length == 0)
        {
            return;
        }
        try
        {
            var reader = new Utf8JsonReader(payload);
            while (reader.Read())
            {
            }
        }
        catch (JsonException e)
        {
            throw new InvalidRequestContentException($"Could not parse request body into json: Could not parse payload into json: {e.Message}") { Type = "User" };
        }
    }

    internal static string Tail(string log)
    {
        var bytes = Encoding.UTF8.GetBytes(log);
        return Convert.ToBase64String(bytes.Length <= TailBytes ? bytes : bytes[^TailBytes..]);
    }

    private string NewTraceId()
    {
        var epoch = _clock.GetUtcNow().ToUnixTimeSeconds();
        return $"Root=1-{epoch:x8}-{Guid.NewGuid():N}"[..35] + ";Sampled=0;Lineage=1:00000000:0";
    }

    private async Task<FunctionSpec> BuildSpecAsync(RequestContext c, FunctionRecord f, VersionConfig v, CancellationToken ct)
    {
        var directory = await _code.EnsureUnpackedAsync(v.CodeBlob, ct).ConfigureAwait(false);
        return new FunctionSpec(c.AccountId, c.Region, f.Name, v.Version, FunctionArn(c, f.Name), v.Runtime, v.Handler,
            v.Timeout, v.MemorySize, v.Environment ?? new Dictionary<string, string>(), directory,
            v.LogGroup ?? $"/aws/lambda/{f.Name}", c.BaseUrl, v.RevisionId);
    }

    /// <summary>
    /// An Event invocation: run in the background with up to MaximumRetryAttempts retries (default two) on
    /// function errors and throttling (after one and two minutes on the shared clock), unless the event
    /// got older than MaximumEventAgeInSeconds; then its destinations and dead-letter queue get the outcome.
    /// The queue is in memory: events accepted but not yet run are lost when the server stops.
    /// </summary>
    private async Task RunAsyncInvocationAsync(FunctionSpec spec, string requestId, byte[] payload, string invokedArn, string? clientContext, int? reserved,
        AsyncTarget target)
    {
        await Task.Yield();
        InvocationOutcome? last = null;
        var invokeCount = 0;
        for (var attempt = 0; attempt <= target.Retries; attempt++)
        {
            if (attempt > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(attempt), _clock).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }
            if (_clock.GetUtcNow() - target.Received > TimeSpan.FromSeconds(target.MaximumEventAge))
            {
                await ReportAsyncOutcomeAsync(target, requestId, payload, "EventAgeExceeded", invokeCount, last).ConfigureAwait(false);
                return;
            }
            try
            {
                var invocation = new Invocation
                {
                    RequestId = requestId,
                    Payload = payload,
                    InvokedArn = invokedArn,
                    ClientContext = clientContext,
                    TraceId = NewTraceId(),
                };
                invokeCount++;
                var outcome = await _executor.InvokeAsync(spec, invocation, reserved, CancellationToken.None).ConfigureAwait(false);
                _logDelivery.Enqueue(spec, outcome);
                last = outcome;
                if (outcome.ErrorType is null)
                {
                    await ReportAsyncOutcomeAsync(target, requestId, payload, "Success", invokeCount, outcome).ConfigureAwait(false);
                    return;
                }
            }
            catch (TooManyRequestsException)
            {
                // throttled: retried like a function error
            }
            catch (Exception)
            {
                return;
            }
        }
        await ReportAsyncOutcomeAsync(target, requestId, payload, "RetriesExhausted", invokeCount, last).ConfigureAwait(false);
    }
}
