using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;

namespace Gureum.Services.Iam.Tests;

/// <summary>
/// Temporary credentials through the AWS SDK for .NET against the in-process server: they work until
/// they expire on the server's clock, then fail with ExpiredToken. The SDK signs with real time and the
/// server rejects requests more than 15 minutes off its clock, so the clock moves within that window:
/// credentials issued at -14 minutes for 15 minutes are valid at 0 and expired at +14 minutes.
/// </summary>
public sealed class TemporaryCredentialTests : IClassFixture<IamServer>, IDisposable
{
    private readonly IamServer _server;

    public TemporaryCredentialTests(IamServer server) => _server = server;

    public void Dispose() => _server.Clock.Offset = TimeSpan.Zero;

    private AmazonSecurityTokenServiceClient Client(AWSCredentials credentials) =>
        new(credentials, new AmazonSecurityTokenServiceConfig { ServiceURL = _server.Url, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

    private AmazonSecurityTokenServiceClient Root() => Client(new BasicAWSCredentials("test", "test"));

    private static AWSCredentials Session(Credentials c) => new SessionAWSCredentials(c.AccessKeyId, c.SecretAccessKey, c.SessionToken);

    private async Task<string> CreateRoleAsync(string name, int maxSession = 3600)
    {
        const string trust = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"}]}""";
        var (status, body) = await _server.IamAsync("CreateRole", ("RoleName", name), ("AssumeRolePolicyDocument", trust),
            ("MaxSessionDuration", maxSession.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(200, status);
        return IamServer.Element(body, "Arn");
    }

    [Fact]
    public async Task AssumedRoleCredentialsWorkThenExpireOnTheServerClock()
    {
        var roleArn = await CreateRoleAsync("expiring-role");
        using var root = Root();

        var fresh = await root.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "fresh", DurationSeconds = 900 });
        var expiration = fresh.Credentials.Expiration!.Value.ToUniversalTime();
        Assert.InRange((expiration - DateTime.UtcNow).TotalSeconds, 880, 901);
        using (var sts = Client(Session(fresh.Credentials)))
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
            Assert.Equal("arn:aws:sts::000000000000:assumed-role/expiring-role/fresh", identity.Arn);
            Assert.EndsWith(":fresh", identity.UserId, StringComparison.Ordinal);
            Assert.StartsWith("AROA", identity.UserId, StringComparison.Ordinal);
        }

        _server.Clock.Offset = TimeSpan.FromMinutes(-14);
        var old = await root.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "old", DurationSeconds = 900 });
        _server.Clock.Offset = TimeSpan.Zero;
        using (var sts = Client(Session(old.Credentials)))
        {
            Assert.Equal("arn:aws:sts::000000000000:assumed-role/expiring-role/old", (await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest())).Arn);
            _server.Clock.Offset = TimeSpan.FromMinutes(14);
            var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
            Assert.Equal("ExpiredToken", error.ErrorCode);
            Assert.Equal("The security token included in the request is expired", error.Message);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
            Assert.Equal(ErrorType.Sender, error.ErrorType);
        }
    }

    [Fact]
    public async Task SessionTokenCredentialsExpireAndWrongTokensAreInvalid()
    {
        using var root = Root();
        _server.Clock.Offset = TimeSpan.FromMinutes(-14);
        var stale = await root.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = 900 });
        _server.Clock.Offset = TimeSpan.FromMinutes(14);
        using (var sts = Client(Session(stale.Credentials)))
        {
            var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
            Assert.Equal("ExpiredToken", error.ErrorCode);
        }
        _server.Clock.Offset = TimeSpan.Zero;

        var current = await root.GetSessionTokenAsync(new GetSessionTokenRequest { DurationSeconds = 900 });
        using (var sts = Client(Session(current.Credentials)))
        {
            var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
            Assert.Equal("arn:aws:iam::000000000000:root", identity.Arn);
        }
        using (var sts = Client(new SessionAWSCredentials(current.Credentials.AccessKeyId, current.Credentials.SecretAccessKey, "forged-token")))
        {
            var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
            Assert.Equal("InvalidClientTokenId", error.ErrorCode);
            Assert.Equal("The security token included in the request is invalid.", error.Message);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, error.StatusCode);
        }
    }

    [Fact]
    public async Task DurationAboveTheRolesMaximumIsAValidationError()
    {
        var roleArn = await CreateRoleAsync("short-role");
        using var root = Root();
        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() =>
            root.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = roleArn, RoleSessionName = "long", DurationSeconds = 7200 }));
        Assert.Equal("ValidationError", error.ErrorCode);
        Assert.Equal("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", error.Message);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task IamUserKeyAuthenticatesAndGetAccessKeyInfoNamesTheAccount()
    {
        var (status, body) = await _server.IamAsync("CreateUser", ("UserName", "dotnet-user"), ("Path", "/sdk/"));
        Assert.Equal(200, status);
        var userId = IamServer.Element(body, "UserId");
        (status, body) = await _server.IamAsync("CreateAccessKey", ("UserName", "dotnet-user"));
        Assert.Equal(200, status);
        var keyId = IamServer.Element(body, "AccessKeyId");
        var secret = IamServer.Element(body, "SecretAccessKey");
        using var sts = Client(new BasicAWSCredentials(keyId, secret));
        var identity = await sts.GetCallerIdentityAsync(new GetCallerIdentityRequest());
        Assert.Equal("arn:aws:iam::000000000000:user/sdk/dotnet-user", identity.Arn);
        Assert.Equal(userId, identity.UserId);
        using var root = Root();
        Assert.Equal("000000000000", (await root.GetAccessKeyInfoAsync(new GetAccessKeyInfoRequest { AccessKeyId = keyId })).Account);

        (status, _) = await _server.IamAsync("UpdateAccessKey", ("UserName", "dotnet-user"), ("AccessKeyId", keyId), ("Status", "Inactive"));
        Assert.Equal(200, status);
        var error = await Assert.ThrowsAsync<AmazonSecurityTokenServiceException>(() => sts.GetCallerIdentityAsync(new GetCallerIdentityRequest()));
        Assert.Equal("InvalidClientTokenId", error.ErrorCode);
    }
}
