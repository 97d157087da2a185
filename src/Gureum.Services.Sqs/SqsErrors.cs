using Gureum.Api.Sqs;
using Gureum.Core;

namespace Gureum.Services.Sqs;

/// <summary>SQS's errors with AWS's codes and messages (model errors are the generated classes).</summary>
internal static class SqsErrors
{
    public static AwsServiceException InvalidParameterValue(string message) => new("InvalidParameterValue", message, 400);

    public static AwsServiceException InvalidParameter(string name, object value, string reason) =>
        InvalidParameterValue($"Value {value} for parameter {name} is invalid. Reason: {reason}");

    public static AwsServiceException MissingParameter(string name) =>
        new("MissingParameter", $"The request must contain the parameter {name}.", 400);

    public static QueueDoesNotExistException NoQueue() => new("The specified queue does not exist.");

    public static InvalidAttributeValueException BadAttributeValue(string name) => new($"Invalid value for the parameter {name}.");

    public static InvalidAttributeNameException UnknownAttribute(string name) => new($"Unknown Attribute {name}.");

    public static ReceiptHandleIsInvalidException BadReceiptHandle(string handle) =>
        new($"The input receipt handle \"{handle}\" is not a valid receipt handle.");

    public static MessageNotInflightException NotInflight() => new("Message does not exist or is not available for visibility timeout change.");

    public static InvalidAddressException InvalidAddress(string url) => new($"The address {url} is not valid for this endpoint.");

    public const string NameRule = "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length";

    public const string FifoNameRule =
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.";
}
