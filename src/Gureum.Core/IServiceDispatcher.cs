namespace Gureum.Core;

/// <summary>
/// The protocol-neutral entry of a service: the generated <c>*ServiceBase</c> classes turn the
/// value tree into typed requests, call the provider's method and turn the result back.
/// </summary>
public interface IServiceDispatcher
{
    /// <summary>The model name of the service (e.g. "sts").</summary>
    string ServiceName { get; }

    ValueTask<Dictionary<string, object?>?> DispatchAsync(
        RequestContext context, string operation, Dictionary<string, object?> input, CancellationToken cancellationToken);
}
