using System.Diagnostics;
using Gureum.Core;
using Gureum.Protocols.Model;
using Gureum.Protocols.Validation;
using Gureum.Server.Audit;

namespace Gureum.Server.Pipeline;

/// <summary>
/// Calls a service's operation in-process: validated like a wire request, dispatched to the
/// provider, recorded in the audit trail with the calling service as the identity.
/// </summary>
public sealed class InProcessServiceClient : IServiceClient
{
    private readonly ServiceRegistry _services;
    private readonly AuditLog _audit;
    private readonly TimeProvider _clock;

    public InProcessServiceClient(ServiceRegistry services, AuditLog audit, TimeProvider clock)
    {
        _services = services;
        _audit = audit;
        _clock = clock;
    }

    public async ValueTask<Dictionary<string, object?>?> InvokeAsync(ServiceCall call, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var model = ModelCatalog.Get(call.Service);
        var operation = model.FindOperation(call.Operation) ?? throw CommonErrors.UnknownOperation(call.Service, call.Operation);
        var context = new RequestContext
        {
            RequestId = RequestIds.New(),
            Service = call.Service,
            Operation = call.Operation,
            AccountId = call.AccountId,
            Region = call.Region,
            ReceivedAt = _clock.GetUtcNow(),
            Clock = _clock,
            Caller = call.Caller,
            BaseUrl = call.BaseUrl,
            SourceIp = call.Caller.Arn,
            UserAgent = call.Caller.Arn,
        };
        AwsServiceException? failure = null;
        try
        {
            InputValidator.Validate(operation, call.Input);
            var provider = _services.Find(call.Service) ?? throw CommonErrors.NotImplemented(call.Service, call.Operation);
            return await provider.DispatchAsync(context, call.Operation, call.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (AwsServiceException e)
        {
            failure = e;
            throw;
        }
        finally
        {
            _audit.Record(new AuditEvent
            {
                EventId = Guid.NewGuid().ToString(),
                EventTime = context.ReceivedAt,
                EventSource = $"{model.EndpointPrefix}.amazonaws.com",
                EventName = call.Operation,
                AwsRegion = call.Region,
                SourceIpAddress = call.Caller.Arn,
                UserAgent = call.Caller.Arn,
                RequestId = context.RequestId,
                AccountId = call.AccountId,
                IdentityType = call.Caller.Type,
                PrincipalArn = call.Caller.Arn,
                ErrorCode = failure?.Code,
                ErrorMessage = failure?.Message,
                HttpStatus = failure?.HttpStatus ?? 200,
                EventCategory = "Data",
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            });
        }
    }
}
