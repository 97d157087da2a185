using Gureum.Api.Dynamodb;
using Gureum.Core;

namespace Gureum.Services.DynamoDb;

internal static class DdbErrors
{
    public static AwsServiceException Validation(string message) => new("ValidationException", message, 400);

    public static AwsServiceException InvalidParams(string detail) =>
        Validation("One or more parameter values were invalid: " + detail);

    public static ResourceNotFoundException TableNotFound(string table) =>
        new($"Requested resource not found: Table: {table} not found");

    public static ResourceNotFoundException ResourceNotFound() => new("Requested resource not found");

    public static AwsServiceException KeySchemaMismatch() => Validation("The provided key element does not match the schema");
}
