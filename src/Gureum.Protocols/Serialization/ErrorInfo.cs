using Gureum.Core;
using Gureum.Protocols.Model;

namespace Gureum.Protocols.Serialization;

/// <summary>What the serializers need to know about an error beyond the exception: its model shape.</summary>
public static class ErrorInfo
{
    /// <summary>The model's error shape for the exception's code (by error.code or shape name), or null.</summary>
    public static Shape? FindShape(ServiceModel service, AwsServiceException error) =>
        // A shape name wins over another shape's error.code (CloudWatch: DashboardNotFoundError
        // declares code "ResourceNotFound", which is also the name of the ResourceNotFound shape).
        service.Shapes.TryGetValue(error.Code, out var named) && named.IsException ? named
        : service.ErrorsByCode.TryGetValue(error.Code, out var shape) ? shape : null;

    /// <summary>
    /// The Smithy shape id AWS puts in <c>__type</c> for awsQueryCompatible / rpc-v2-cbor services,
    /// e.g. <c>com.amazonaws.sqs#QueueDoesNotExist</c>. Clients keep only the part after '#'.
    /// </summary>
    public static string ShapeId(ServiceModel service, AwsServiceException error)
    {
        var name = FindShape(service, error)?.Name ?? error.Code;
        var ns = new string(service.ServiceId.Where(char.IsLetterOrDigit).ToArray()).ToLowerInvariant();
        return $"com.amazonaws.{ns}#{name}";
    }

    /// <summary>
    /// The value of <c>x-amzn-query-error</c>: the legacy query code (the error shape's
    /// <c>error.code</c>, else the exception code) and the fault side.
    /// </summary>
    public static string QueryErrorHeader(ServiceModel service, AwsServiceException error)
    {
        var code = FindShape(service, error)?.ErrorCode ?? error.Code;
        return $"{code};{(error.SenderFault ? "Sender" : "Receiver")}";
    }

    /// <summary>The error shape's message member (AWS models spell it "message" or "Message").</summary>
    public static Member? MessageMember(Shape? shape)
    {
        if (shape is null)
        {
            return null;
        }
        foreach (var member in shape.Members)
        {
            if (string.Equals(member.Name, "message", StringComparison.OrdinalIgnoreCase))
            {
                return member;
            }
        }
        return null;
    }
}
