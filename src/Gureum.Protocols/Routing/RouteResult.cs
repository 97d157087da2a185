using Gureum.Protocols.Model;

namespace Gureum.Protocols.Routing;

/// <summary>Which service and operation a request is for, and the wire protocol it speaks.</summary>
public sealed record RouteResult(
    ServiceModel Service,
    OperationModel Operation,
    string Protocol,
    IReadOnlyDictionary<string, string>? UriLabels);

/// <summary>The request names a service but no operation of it can be found.</summary>
public sealed class RouteException : Exception
{
    public RouteException(ServiceModel? service, string protocol, Core.AwsServiceException error)
        : base(error.Message, error)
    {
        Service = service;
        Protocol = protocol;
        Error = error;
    }

    public ServiceModel? Service { get; }

    public string Protocol { get; }

    public Core.AwsServiceException Error { get; }
}
