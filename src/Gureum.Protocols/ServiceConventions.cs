namespace Gureum.Protocols;

/// <summary>
/// How a service reports invalid input. AWS services differ (DynamoDB: ValidationException,
/// IAM/STS: ValidationError, SNS: InvalidParameter, EC2/SQS: InvalidParameterValue +
/// MissingParameter, S3: InvalidArgument / MalformedXML); the table is data, kept here in one place.
/// </summary>
public sealed record ServiceConventions(
    string ValidationCode,
    string MissingCode,
    bool CheckConstraints,
    bool JsonStyleMessages)
{
    private static readonly ServiceConventions Json = new("ValidationException", "ValidationException", true, true);
    private static readonly ServiceConventions Query = new("ValidationError", "ValidationError", true, true);

    private static readonly Dictionary<string, ServiceConventions> ByService = new(StringComparer.Ordinal)
    {
        ["sns"] = new("InvalidParameter", "InvalidParameter", false, false),
        ["sqs"] = new("InvalidParameterValue", "MissingParameter", false, false),
        ["ec2"] = new("InvalidParameterValue", "MissingParameter", false, false),
        ["s3"] = new("InvalidArgument", "InvalidArgument", false, false),
        ["cloudwatch"] = new("InvalidParameterValue", "MissingParameter", false, false),
        ["lambda"] = new("ValidationException", "ValidationException", true, true),
        ["logs"] = new("InvalidParameterException", "InvalidParameterException", true, true),
        ["apigateway"] = new("BadRequestException", "BadRequestException", false, false),
        ["apigatewayv2"] = new("BadRequestException", "BadRequestException", false, false),
        ["cloudformation"] = new("ValidationError", "ValidationError", true, true),
    };

    public static ServiceConventions For(Model.ServiceModel service) =>
        ByService.TryGetValue(service.Name, out var conventions) ? conventions
        : service.Protocol is "query" or "ec2" ? Query : Json;
}
