namespace Gureum.Core;

/// <summary>
/// An AWS error as the client must see it: code, message, HTTP status and fault side.
/// Services throw these (or the generated per-error subclasses); the protocol layer
/// serializes them in the wire format of the service that was called.
/// </summary>
public class AwsServiceException : Exception
{
    public AwsServiceException(string code, string message, int httpStatus = 400, bool senderFault = true)
        : base(message)
    {
        Code = code;
        HttpStatus = httpStatus;
        SenderFault = senderFault;
    }

    /// <summary>The error code (e.g. <c>NoSuchBucket</c>, <c>ValidationException</c>).</summary>
    public string Code { get; }

    public int HttpStatus { get; }

    /// <summary>True for client errors ("Sender"), false for service faults ("Receiver").</summary>
    public bool SenderFault { get; }

    /// <summary>
    /// Extra members of the error structure (e.g. S3's BucketName, DynamoDB's Item),
    /// keyed by model member name; serialized by the protocol layer.
    /// </summary>
    public Dictionary<string, object?>? Fields { get; set; }

    /// <summary>Extra response headers (e.g. x-amz-delete-marker on a 405).</summary>
    public Dictionary<string, string>? Headers { get; set; }

    public AwsServiceException With(string field, object? value)
    {
        (Fields ??= new Dictionary<string, object?>(StringComparer.Ordinal))[field] = value;
        return this;
    }
}
