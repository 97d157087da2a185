namespace Gureum.Services.Iam;

/// <summary>
/// A small catalog of the AWS managed policies that local tests attach most often
/// (arn:aws:iam::aws:policy/...). They are read-only and shared by every account.
/// </summary>
internal static class AwsManagedPolicies
{
    private static readonly DateTimeOffset Created = new(2015, 2, 6, 18, 39, 46, TimeSpan.Zero);

    private static PolicyRecord Make(string name, string path, string id, string actions, string description) => new()
    {
        Name = name,
        Path = path,
        Id = id,
        Created = Created,
        Updated = Created,
        Description = description,
        DefaultVersion = "v1",
        NextVersion = 2,
        Versions = [new PolicyVersionRecord
        {
            Id = "v1",
            Created = Created,
            Document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":" + actions + ",\"Resource\":\"*\"}]}",
        }],
    };

    public static IReadOnlyList<PolicyRecord> All { get; } =
    [
        Make("AdministratorAccess", "/", "ANPAIWMBCKSKIEE64ZLYK", "\"*\"", "Provides full access to AWS services and resources."),
        Make("PowerUserAccess", "/", "ANPAJYRXTHIB4FOVS3ZXS", "\"*\"", "Provides full access to AWS services and resources, but does not allow management of Users and groups."),
        Make("ReadOnlyAccess", "/", "ANPAILL3HVNFSB6DCOWYQ", "[\"*:Describe*\",\"*:Get*\",\"*:List*\"]", "Provides read-only access to AWS services and resources."),
        Make("IAMFullAccess", "/", "ANPAI7XKCFMBPM3QQRRVQ", "\"iam:*\"", "Provides full access to IAM via the AWS Management Console."),
        Make("AmazonS3FullAccess", "/", "ANPAIFIR6V6BVTRAHWINE", "[\"s3:*\",\"s3-object-lambda:*\"]", "Provides full access to all buckets via the AWS Management Console."),
        Make("AmazonS3ReadOnlyAccess", "/", "ANPAIZTJ4DXE7G6AGAE6M", "[\"s3:Get*\",\"s3:List*\"]", "Provides read only access to all buckets via the AWS Management Console."),
        Make("AmazonDynamoDBFullAccess", "/", "ANPAINUGF2JSOSUY76KYA", "\"dynamodb:*\"", "Provides full access to Amazon DynamoDB via the AWS Management Console."),
        Make("AmazonSQSFullAccess", "/", "ANPAI65L554VRJ33ECQS6", "\"sqs:*\"", "Provides full access to Amazon SQS via the AWS Management Console."),
        Make("AmazonSNSFullAccess", "/", "ANPAJWEKLCXXUNT2SOLSG", "\"sns:*\"", "Provides full access to Amazon SNS via the AWS Management Console."),
        Make("AWSLambdaBasicExecutionRole", "/service-role/", "ANPAJNCQGXC42545SKXIK", "[\"logs:CreateLogGroup\",\"logs:CreateLogStream\",\"logs:PutLogEvents\"]", "Provides write permissions to CloudWatch Logs."),
    ];

    public static PolicyRecord? Find(string arn)
    {
        foreach (var policy in All)
        {
            if (arn == $"arn:aws:iam::aws:policy{policy.Path}{policy.Name}")
            {
                return policy;
            }
        }
        return null;
    }
}
