namespace Gureum.Core;

/// <summary>
/// A credential issued by a service (IAM access keys, STS temporary credentials). The server's
/// credential resolver consults every registered directory after its built-in identities, so a
/// key works for signed requests as soon as the issuing call returns.
/// </summary>
/// <param name="PrincipalArn">The identity the key signs as (user ARN, assumed-role session ARN).</param>
/// <param name="UserId">The unique id GetCallerIdentity reports (AIDA…, AROA…:session).</param>
/// <param name="SessionToken">Required token for temporary credentials; null for long-lived keys.</param>
/// <param name="Expiration">When temporary credentials stop working (on the server's clock).</param>
/// <param name="Active">False for an Inactive IAM access key: it is known but rejected.</param>
public sealed record DirectoryCredential(
    string AccessKeyId,
    string SecretAccessKey,
    string AccountId,
    string PrincipalArn,
    string UserId,
    string? SessionToken,
    DateTimeOffset? Expiration,
    bool Active);

/// <summary>Implemented by services that issue credentials. Lookups are synchronous and must be cheap
/// (an in-memory index kept in step with the service's durable store).</summary>
public interface ICredentialDirectory
{
    DirectoryCredential? FindCredential(string accessKeyId);

    /// <summary>Called after a request signed with one of this directory's keys was authenticated.</summary>
    void RecordUse(string accessKeyId, string service, string region, DateTimeOffset when)
    {
    }
}
