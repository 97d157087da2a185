namespace Gureum.Core;

/// <summary>
/// How one service calls another: through the callee's public API (its generated operation, with
/// input validation and an audit record), never through its store. S3 notifications send to SQS
/// this way, SNS delivers to SQS and Lambda, CloudFormation creates resources.
/// </summary>
public interface IServiceClient
{
    /// <summary>Calls <paramref name="call"/>'s operation; AWS errors surface as <see cref="AwsServiceException"/>.</summary>
    ValueTask<Dictionary<string, object?>?> InvokeAsync(ServiceCall call, CancellationToken cancellationToken);
}

/// <summary>One in-process call of another service's operation.</summary>
/// <param name="Service">The callee's model name, e.g. "sqs".</param>
/// <param name="Operation">The operation name, e.g. "SendMessage".</param>
/// <param name="Input">The input tree, e.g. <c>new SendMessageRequest { ... }.ToTree()</c>.</param>
/// <param name="AccountId">The account the call acts in (the callee resource's account).</param>
/// <param name="Region">The region the call acts in.</param>
/// <param name="Caller">Who calls: usually the calling service's principal, see <see cref="ServicePrincipal"/>.</param>
/// <param name="BaseUrl">The base URL for URLs the callee hands out (e.g. queue URLs).</param>
public sealed record ServiceCall(
    string Service,
    string Operation,
    Dictionary<string, object?> Input,
    string AccountId,
    string Region,
    CallerIdentity Caller,
    string BaseUrl)
{
    /// <summary>The identity of an AWS service acting on its own (CloudTrail's "AWSService").</summary>
    public static CallerIdentity ServicePrincipal(string servicePrincipal, string accountId) =>
        new("", accountId, servicePrincipal, servicePrincipal, "AWSService", null);
}
