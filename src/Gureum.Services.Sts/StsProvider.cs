using Gureum.Api.Sts;
using Gureum.Core;

namespace Gureum.Services.Sts;

/// <summary>
/// AWS STS. GetCallerIdentity reports the authenticated principal exactly as AWS does; the
/// credential-minting operations arrive with the IAM/STS issue.
/// </summary>
public sealed class StsProvider : StsServiceBase
{
    public override ValueTask<GetCallerIdentityResponse> GetCallerIdentityAsync(
        RequestContext context, GetCallerIdentityRequest request, CancellationToken cancellationToken)
    {
        var caller = context.Caller;
        return ValueTask.FromResult(new GetCallerIdentityResponse
        {
            Account = caller.AccountId,
            Arn = caller.Arn,
            UserId = caller.UserId,
        });
    }
}
