using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Gureum.EndToEnd.Tests;

/// <summary>GetCallerIdentity through the AWS SDK for .NET: query protocol, SigV4 and accounts end to end.</summary>
public sealed class StsGetCallerIdentityTests : IClassFixture<ServerFixture>
{
    private readonly ServerFixture _server;

    public StsGetCallerIdentityTests(ServerFixture server) => _server = server;

    private AmazonSecurityTokenServiceClient Client(string key, string secret, string? token = null) =>
        new(token is null ? new BasicAWSCredentials(key, secret) : new SessionAWSCredentials(key, secret, token),
            new AmazonSecurityTokenServiceConfig { ServiceURL = _server.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    [Fact]
    public async Task DefaultCredentialsAreTheDefaultAccountsRoot()
    {
        using var sts = Client("test", "test");
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("000000000000", identity.Account);
        Assert.Equal("arn:aws:iam::000000000000:root", identity.Arn);
        Assert.Equal("000000000000", identity.UserId);
        Assert.Equal(System.Net.HttpStatusCode.OK, identity.HttpStatusCode);
        Assert.False(string.IsNullOrEmpty(identity.ResponseMetadata.RequestId));
    }

    [Fact]
    public async Task TwelveDigitAccessKeyIsTheAccountId()
    {
        using var sts = Client("111122223333", "anything");
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("111122223333", identity.Account);
        Assert.Equal("arn:aws:iam::111122223333:root", identity.Arn);
    }

    [Fact]
    public async Task WrongSecretForAKnownKeyIsSignatureDoesNotMatch()
    {
        using var sts = Client("test", "not-the-secret");
        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
        Assert.Equal("SignatureDoesNotMatch", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal(ErrorType.Sender, error.ErrorType);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
    }

    [Fact]
    public async Task SessionTokenIsAcceptedInKnownMode()
    {
        using var sts = Client("test", "test", "some-session-token");
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("000000000000", identity.Account);
    }
}
