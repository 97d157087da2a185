using Gureum.Api.Lambda;
using Gureum.Core;

namespace Gureum.Services.Lambda;

/// <summary>Lambda's errors with AWS's messages; every Lambda error body carries "Type": "User" or "Service".</summary>
internal static class LambdaErrors
{
    public static InvalidParameterValueException InvalidParameter(string message) =>
        new(message) { Type = "User" };

    public static ResourceNotFoundException FunctionNotFound(string arn) =>
        new($"Function not found: {arn}") { Type = "User" };

    public static ResourceNotFoundException NotFound(string message) =>
        new(message) { Type = "User" };

    public static ResourceConflictException Conflict(string message) =>
        new(message) { Type = "User" };

    public static PreconditionFailedException RevisionMismatch() =>
        new("The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id") { Type = "User" };

    public static TooManyRequestsException TooManyRequests(string reason) =>
        new TooManyRequestsException("Rate Exceeded.") { Type = "User", Reason = reason };

    /// <summary>Lambda's own constraint checks read like the model validation (ValidationException).</summary>
    public static AwsServiceException Validation(string message) =>
        new("ValidationException", message, 400);
}
