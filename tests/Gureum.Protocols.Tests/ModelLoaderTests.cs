using Gureum.Protocols.Model;

namespace Gureum.Protocols.Tests;

public class ModelLoaderTests
{
    [Fact]
    public void EveryVendoredModelLoadsWithOperationsAndTemplates()
    {
        foreach (var name in ModelCatalog.Names)
        {
            var model = ModelCatalog.Get(name);
            Assert.NotEmpty(model.Operations);
            Assert.All(model.Operations.Values, op => Assert.NotNull(op.Template));
        }
    }

    [Fact]
    public void UriTemplateMatchesGreedyLabelsAndQueryLiterals()
    {
        var template = UriTemplate.Parse("/{Bucket}/{Key+}?uploads");
        Assert.True(template.TryMatch("/my-bucket/a/b%20c.txt", out var labels));
        Assert.Equal("my-bucket", labels!["Bucket"]);
        Assert.Equal("a/b c.txt", labels["Key"]);
        Assert.Equal("uploads", Assert.Single(template.QueryLiterals).Key);
        Assert.False(template.TryMatch("/my-bucket", out _));
    }

    [Fact]
    public void UriTemplateIgnoresXIdAndAcceptsTrailingSlash()
    {
        var template = UriTemplate.Parse("/{Bucket}?x-id=ListObjects");
        Assert.Empty(template.QueryLiterals);
        Assert.True(template.TryMatch("/bucket/", out var labels));
        Assert.Equal("bucket", labels!["Bucket"]);
    }
}
