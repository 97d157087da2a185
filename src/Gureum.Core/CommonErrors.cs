namespace Gureum.Core;

/// <summary>Errors shared by every service, with AWS's codes and statuses.</summary>
public static class CommonErrors
{
    public const string NotImplementedCode = "NotImplemented";

    /// <summary>
    /// Answer for an operation the model knows but Gureum does not implement yet. 501 is not
    /// retried by the SDKs (they retry 500/502/503/504), so clients fail fast and clearly.
    /// </summary>
    public static AwsServiceException NotImplemented(string service, string operation) =>
        new(NotImplementedCode,
            $"Gureum does not implement the operation '{operation}' of service '{service}' yet.",
            501, senderFault: false);

    public static AwsServiceException InternalFailure(string requestId) =>
        new("InternalFailure",
            $"The request processing has failed because of an unknown error, exception or failure (request id {requestId}).",
            500, senderFault: false);

    public static AwsServiceException MissingAction() =>
        new("MissingAction", "Could not find operation for this request: no Action, X-Amz-Target or matching path was given.", 400);

    public static AwsServiceException InvalidAction(string service, string action) =>
        new("InvalidAction", $"The action {action} is not valid for this endpoint of service {service}.", 400);

    public static AwsServiceException UnknownOperation(string service, string operation) =>
        new("UnknownOperationException", $"The operation {operation} is not known to service {service}.", 400);

    public static AwsServiceException Serialization(string message) =>
        new("SerializationException", message, 400);

    public static AwsServiceException MalformedQueryString(string message) =>
        new("MalformedQueryString", message, 404);

    public static AwsServiceException RequestEntityTooLarge(long limit) =>
        new("RequestEntityTooLarge", $"Request body must be at most {limit} bytes.", 413);
}
