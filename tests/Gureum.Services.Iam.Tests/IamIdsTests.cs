namespace Gureum.Services.Iam.Tests;

public sealed class IamIdsTests
{
    [Theory]
    [InlineData("000000000000")]
    [InlineData("123456789012")]
    [InlineData("999999999999")]
    public void AccessKeyIdsEncodeTheirAccount(string account)
    {
        var id = IamIds.AccessKeyId("AKIA", account);
        Assert.Matches("^AKIA[A-Z2-7]{16}$", id);
        Assert.Equal(account, IamIds.AccountOfAccessKey(id));
    }

    [Fact]
    public void KnownPublishedKeyDecodesToItsAccount()
    {
        // The example pair from the public write-up of the format: ASIAQNZGKIQY56JQ7WML -> 029608264753.
        Assert.Equal("029608264753", IamIds.AccountOfAccessKey("ASIAQNZGKIQY56JQ7WML"));
        Assert.Null(IamIds.AccountOfAccessKey("test"));
    }

    [Fact]
    public void UniqueIdsAndSecretsHaveAwsShapes()
    {
        Assert.Matches("^AIDA[A-Z2-7]{17}$", IamIds.UniqueId("AIDA"));
        Assert.Equal(40, IamIds.Secret().Length);
        Assert.NotEqual(IamIds.Secret(), IamIds.Secret());
    }

    [Theory]
    [InlineData("sts:AssumeRole", "sts:AssumeRole", true)]
    [InlineData("sts:*", "sts:AssumeRole", true)]
    [InlineData("STS:assume*", "sts:AssumeRole", true)]
    [InlineData("sts:AssumeRoleWith*", "sts:AssumeRole", false)]
    [InlineData("*", "sts:TagSession", true)]
    public void ActionWildcards(string pattern, string action, bool matches) =>
        Assert.Equal(matches, TrustPolicy.Glob(pattern, action));

    [Fact]
    public void ExplicitDenyWinsInTrustPolicies()
    {
        const string document = """
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"},
              {"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:user/mallory"},"Action":"sts:*"}]}
            """;
        var context = new Dictionary<string, string>();
        Assert.True(TrustPolicy.Allows(document, new TrustRequest("sts:AssumeRole", "111111111111", ["arn:aws:iam::111111111111:user/alice"], null, context)));
        Assert.False(TrustPolicy.Allows(document, new TrustRequest("sts:AssumeRole", "111111111111", ["arn:aws:iam::111111111111:user/mallory"], null, context)));
    }
}
