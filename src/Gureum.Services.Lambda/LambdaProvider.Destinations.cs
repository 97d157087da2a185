using System.Globalization;
using System.Text;
using System.Text.Json;
using Gureum.Api.Lambda;
using Gureum.Core;
using Gureum.Services.Lambda.Runtime;
using Sns = Gureum.Api.Sns;
using Sqs = Gureum.Api.Sqs;

namespace Gureum.Services.Lambda;

/// <summary>
/// Asynchronous invocation settings (Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s)) and where an
/// Event invocation's outcome goes: OnSuccess/OnFailure destinations (SQS, SNS, Lambda) and the
/// function's dead-letter queue (DeadLetterConfig), each through the callee's API.
/// </summary>
public sealed partial class LambdaProvider
{
    private const int DefaultMaximumEventAge = 21600;

    private static string ConfigKey(string? qualifier) => qualifier ?? "$LATEST";

    private static FunctionEventInvokeConfig ToEventInvokeConfig(RequestContext c, string name, string key, EventInvokeConfigRecord r) => new()
    {
        FunctionArn = $"{FunctionArn(c, name)}:{key}",
        LastModified = r.LastModified,
        MaximumRetryAttempts = r.MaximumRetryAttempts,
        MaximumEventAgeInSeconds = r.MaximumEventAgeInSeconds,
        DestinationConfig = new DestinationConfig
        {
            OnSuccess = new OnSuccess { Destination = r.OnSuccess },
            OnFailure = new OnFailure { Destination = r.OnFailure },
        },
    };

    private static void CheckQualifierExists(RequestContext c, FunctionRecord f, string? qualifier)
    {
        if (qualifier is null or "$LATEST")
        {
            return;
        }
        if (IsVersionNumber(qualifier) ? f.Versions.All(v => v.Version != qualifier) : !f.Aliases.ContainsKey(qualifier))
        {
            throw LambdaErrors.FunctionNotFound($"{FunctionArn(c, f.Name)}:{qualifier}");
        }
    }

    private static void CheckDestination(string? arn, DestinationConfig? config)
    {
        if (string.IsNullOrEmpty(arn))
        {
            return;
        }
        var parts = arn.Split(':');
        var ok = parts.Length >= 6 && parts[0] == "arn" && parts[2] switch
        {
            "sqs" or "sns" => parts.Length == 6,
            "lambda" => parts.Length >= 7 && parts[5] == "function",
            "events" => parts[5].StartsWith("event-bus/", StringComparison.Ordinal),
            "s3" => true,
            _ => false,
        };
        if (!ok)
        {
            throw LambdaErrors.InvalidParameter(
                $"The provided destination config DestinationConfig(onSuccess=OnSuccess(destination={config?.OnSuccess?.Destination ?? "null"}), onFailure=OnFailure(destination={config?.OnFailure?.Destination ?? "null"})) is invalid.");
        }
    }

    private async Task<FunctionEventInvokeConfig> WriteEventInvokeConfigAsync(RequestContext context, string functionName, string? requestQualifier,
        int? retries, int? age, DestinationConfig? destinations, bool merge, CancellationToken ct)
    {
        var (name, q) = ParseName(context, functionName);
        var qualifier = requestQualifier ?? q;
        CheckDestination(destinations?.OnSuccess?.Destination, destinations);
        CheckDestination(destinations?.OnFailure?.Destination, destinations);
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            CheckQualifierExists(context, f, qualifier);
            var key = ConfigKey(qualifier);
            var existing = f.EventInvokeConfigs.GetValueOrDefault(key);
            if (merge && existing is null)
            {
                throw LambdaErrors.NotFound($"The function {FunctionArn(context, name)}:{key} doesn't have an EventInvokeConfig");
            }
            var r = merge ? existing! : new EventInvokeConfigRecord();
            if (!merge || retries is not null)
            {
                r.MaximumRetryAttempts = retries;
            }
            if (!merge || age is not null)
            {
                r.MaximumEventAgeInSeconds = age;
            }
            if (!merge || destinations?.OnSuccess is not null)
            {
                r.OnSuccess = NullIfEmpty(destinations?.OnSuccess?.Destination);
            }
            if (!merge || destinations?.OnFailure is not null)
            {
                r.OnFailure = NullIfEmpty(destinations?.OnFailure?.Destination);
            }
            r.LastModified = DateTimeOffset.FromUnixTimeMilliseconds(_clock.GetUtcNow().ToUnixTimeMilliseconds());
            f.EventInvokeConfigs[key] = r;
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return ToEventInvokeConfig(context, name, key, r);
        }
        finally
        {
            _write.Release();
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    public override ValueTask<FunctionEventInvokeConfig> PutFunctionEventInvokeConfigAsync(RequestContext context, PutFunctionEventInvokeConfigRequest request, CancellationToken ct) =>
        new(WriteEventInvokeConfigAsync(context, request.FunctionName!, request.Qualifier, request.MaximumRetryAttempts,
            request.MaximumEventAgeInSeconds, request.DestinationConfig, merge: false, ct));

    public override ValueTask<FunctionEventInvokeConfig> UpdateFunctionEventInvokeConfigAsync(RequestContext context, UpdateFunctionEventInvokeConfigRequest request, CancellationToken ct) =>
        new(WriteEventInvokeConfigAsync(context, request.FunctionName!, request.Qualifier, request.MaximumRetryAttempts,
            request.MaximumEventAgeInSeconds, request.DestinationConfig, merge: true, ct));

    public override async ValueTask<FunctionEventInvokeConfig> GetFunctionEventInvokeConfigAsync(RequestContext context, GetFunctionEventInvokeConfigRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        CheckQualifierExists(context, f, qualifier);
        var key = ConfigKey(qualifier);
        var r = f.EventInvokeConfigs.GetValueOrDefault(key)
            ?? throw LambdaErrors.NotFound($"The function {FunctionArn(context, name)}:{key} doesn't have an EventInvokeConfig");
        return ToEventInvokeConfig(context, name, key, r);
    }

    public override async ValueTask<Empty> DeleteFunctionEventInvokeConfigAsync(RequestContext context, DeleteFunctionEventInvokeConfigRequest request, CancellationToken ct)
    {
        var (name, q) = ParseName(context, request.FunctionName!);
        var qualifier = request.Qualifier ?? q;
        await _write.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
            CheckQualifierExists(context, f, qualifier);
            var key = ConfigKey(qualifier);
            if (!f.EventInvokeConfigs.Remove(key))
            {
                throw LambdaErrors.NotFound($"The function {FunctionArn(context, name)}:{key} doesn't have an EventInvokeConfig");
            }
            await SaveAsync(context, f, ct).ConfigureAwait(false);
            return Empty.Instance;
        }
        finally
        {
            _write.Release();
        }
    }

    public override async ValueTask<ListFunctionEventInvokeConfigsResponse> ListFunctionEventInvokeConfigsAsync(RequestContext context, ListFunctionEventInvokeConfigsRequest request, CancellationToken ct)
    {
        var (name, _) = ParseName(context, request.FunctionName!);
        var f = await RequireAsync(context, name, ct).ConfigureAwait(false);
        var all = f.EventInvokeConfigs.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var start = 0;
        if (request.Marker is { Length: > 0 } marker)
        {
            start = all.FindIndex(kv => string.CompareOrdinal(kv.Key, marker) > 0);
            if (start < 0)
            {
                start = all.Count;
            }
        }
        var max = request.MaxItems ?? 50;
        var page = all.Skip(start).Take(max).ToList();
        return new ListFunctionEventInvokeConfigsResponse
        {
            FunctionEventInvokeConfigs = [.. page.Select(kv => ToEventInvokeConfig(context, name, kv.Key, kv.Value))],
            NextMarker = start + max < all.Count ? page[^1].Key : null,
        };
    }

    // ---- delivery of an Event invocation's outcome ------------------------------------------------

    /// <summary>Everything an Event invocation needs to report its outcome.</summary>
    private sealed record AsyncTarget(string Account, string Region, string BaseUrl, string FunctionArn, string ExecutedVersion,
        int Retries, int MaximumEventAge, string? OnSuccess, string? OnFailure, string? DeadLetter, DateTimeOffset Received);

    private AsyncTarget BuildAsyncTarget(RequestContext c, FunctionRecord f, VersionConfig version, string? qualifier)
    {
        var config = f.EventInvokeConfigs.GetValueOrDefault(ConfigKey(qualifier));
        return new AsyncTarget(c.AccountId, c.Region, c.BaseUrl, $"{FunctionArn(c, f.Name)}:{ConfigKey(qualifier)}", version.Version,
            config?.MaximumRetryAttempts ?? DefaultAsyncRetries, config?.MaximumEventAgeInSeconds ?? DefaultMaximumEventAge,
            config?.OnSuccess, config?.OnFailure, version.DeadLetterTarget, _clock.GetUtcNow());
    }

    /// <summary>AWS's invocation record for a destination.</summary>
    private byte[] DestinationRecord(AsyncTarget t, string requestId, string condition, int invokeCount, byte[] request, InvocationOutcome? outcome)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteString("timestamp", _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteStartObject("requestContext");
            w.WriteString("requestId", requestId);
            w.WriteString("functionArn", t.FunctionArn);
            w.WriteString("condition", condition);
            w.WriteNumber("approximateInvokeCount", invokeCount);
            w.WriteEndObject();
            w.WritePropertyName("requestPayload");
            WriteJsonOrString(w, request);
            if (outcome is not null)
            {
                w.WriteStartObject("responseContext");
                w.WriteNumber("statusCode", 200);
                w.WriteString("executedVersion", t.ExecutedVersion);
                if (outcome.ErrorType is not null)
                {
                    w.WriteString("functionError", "Unhandled");
                }
                w.WriteEndObject();
                w.WritePropertyName("responsePayload");
                WriteJsonOrString(w, outcome.Payload);
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteJsonOrString(Utf8JsonWriter w, byte[] payload)
    {
        if (payload.Length == 0)
        {
            w.WriteNullValue();
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(payload);
            doc.RootElement.WriteTo(w);
        }
        catch (JsonException)
        {
            w.WriteStringValue(Encoding.UTF8.GetString(payload));
        }
    }

    /// <summary>Sends <paramref name="body"/> to an SQS queue, SNS topic or Lambda function ARN; failures are dropped, as in AWS.</summary>
    private async Task SendToTargetAsync(AsyncTarget t, string arn, byte[] body, Dictionary<string, (string Type, string Value)>? attributes)
    {
        try
        {
            var parts = arn.Split(':');
            var (service, region, account) = (parts[2], parts[3], parts[4]);
            var caller = ServiceCall.ServicePrincipal("lambda.amazonaws.com", t.Account);
            var text = Encoding.UTF8.GetString(body);
            switch (service)
            {
                case "sqs":
                {
                    var request = new Sqs.SendMessageRequest
                    {
                        QueueUrl = $"{t.BaseUrl}/{account}/{parts[5]}",
                        MessageBody = text,
                        MessageAttributes = attributes?.ToDictionary(a => a.Key,
                            a => new Sqs.MessageAttributeValue { DataType = a.Value.Type, StringValue = a.Value.Value }, StringComparer.Ordinal),
                    };
                    await _services.InvokeAsync(new ServiceCall("sqs", "SendMessage", request.ToTree(), account, region, caller, t.BaseUrl), CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                case "sns":
                {
                    var request = new Sns.PublishInput
                    {
                        TopicArn = arn,
                        Message = text,
                        MessageAttributes = attributes?.ToDictionary(a => a.Key,
                            a => new Sns.MessageAttributeValue { DataType = a.Value.Type, StringValue = a.Value.Value }, StringComparer.Ordinal),
                    };
                    await _services.InvokeAsync(new ServiceCall("sns", "Publish", request.ToTree(), account, region, caller, t.BaseUrl), CancellationToken.None).ConfigureAwait(false);
                    break;
                }
                case "lambda":
                {
                    var request = new InvocationRequest { FunctionName = arn, InvocationType = "Event", Payload = body };
                    await _services.InvokeAsync(new ServiceCall("lambda", "Invoke", request.ToTree(), account, region, caller, t.BaseUrl), CancellationToken.None).ConfigureAwait(false);
                    break;
                }
            }
        }
        catch (Exception)
        {
            // an unreachable destination drops the record, as in AWS
        }
    }

    /// <summary>After the last attempt: destinations for the outcome, and the dead-letter queue for a failed event.</summary>
    private async Task ReportAsyncOutcomeAsync(AsyncTarget t, string requestId, byte[] payload, string condition, int invokeCount, InvocationOutcome? outcome)
    {
        if (condition == "Success")
        {
            if (t.OnSuccess is not null)
            {
                await SendToTargetAsync(t, t.OnSuccess, DestinationRecord(t, requestId, condition, invokeCount, payload, outcome), null).ConfigureAwait(false);
            }
            return;
        }
        if (t.OnFailure is not null)
        {
            await SendToTargetAsync(t, t.OnFailure, DestinationRecord(t, requestId, condition, invokeCount, payload, outcome), null).ConfigureAwait(false);
        }
        if (t.DeadLetter is not null)
        {
            var (code, message) = outcome?.ErrorType is not null
                ? ("200", ErrorMessageOf(outcome.Payload))
                : ("-1", condition == "EventAgeExceeded" ? "Event age exceeded" : "Retries exhausted");
            await SendToTargetAsync(t, t.DeadLetter, payload, new Dictionary<string, (string, string)>(StringComparer.Ordinal)
            {
                ["RequestID"] = ("String", requestId),
                ["ErrorCode"] = ("Number", code),
                ["ErrorMessage"] = ("String", message),
            }).ConfigureAwait(false);
        }
    }

    private static string ErrorMessageOf(byte[] payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("errorMessage", out var m) && m.ValueKind == JsonValueKind.String)
            {
                return m.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        return Encoding.UTF8.GetString(payload);
    }
}
