using Gureum.Api.Dynamodb;
using Gureum.Core;

namespace Gureum.Services.DynamoDb.Tests;

/// <summary>The PartiQL parser: statement shapes, parameter binding, and DynamoDB's messages for malformed input.</summary>
public sealed class PartiQLParserTests
{
    private static AwsServiceException Fails(string statement, List<AttributeValue>? parameters = null) =>
        Assert.ThrowsAny<AwsServiceException>(() => PartiQLParser.Parse(statement, parameters));

    [Fact]
    public void SelectWithIndexProjectionAndConditions()
    {
        var s = PartiQLParser.Parse("SELECT a, b.c[2] FROM \"tbl\".\"by-x\" WHERE pk = ? AND (x BETWEEN 1 AND 5 OR y IN ['p', 'q']) AND z IS NOT MISSING",
            [new AttributeValue { S = "k" }]);
        Assert.Equal(PqlKind.Select, s.Kind);
        Assert.Equal("tbl", s.Table);
        Assert.Equal("by-x", s.Index);
        Assert.Equal(2, s.Projection!.Count);
        Assert.Equal(["b", "c", 2], s.Projection[1].Elements);
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = "k" }, ["x"] = new() { N = "9" }, ["y"] = new() { S = "q" }, ["z"] = new() { NULL = true },
        };
        Assert.True(Evaluator.Evaluate(s.Where!, item));
        item.Remove("z");
        Assert.False(Evaluator.Evaluate(s.Where!, item));
    }

    [Fact]
    public void InsertValueBuildsEveryType()
    {
        var s = PartiQLParser.Parse("insert into t value {'s': 'it''s', 'n': -1.5e2, 'b': true, 'nul': null, 'l': [1, 'x'], 'ss': <<'a','b'>>, 'ns': <<1, 2>>, 'p': ?}",
            [new AttributeValue { B = [1, 2] }]);
        var item = s.Item!;
        Assert.Equal("it's", item["s"].S);
        Assert.Equal("-1.5e2", item["n"].N);
        Assert.True(item["b"].BOOL);
        Assert.True(item["nul"].NULL);
        Assert.Equal(2, item["l"].L!.Count);
        Assert.Equal(["a", "b"], item["ss"].SS);
        Assert.Equal(["1", "2"], item["ns"].NS);
        Assert.Equal(new byte[] { 1, 2 }, item["p"].B);
    }

    [Fact]
    public void UpdateWithSetRemoveAndReturning()
    {
        var s = PartiQLParser.Parse("UPDATE t SET a = a + 1, b = 'x' REMOVE c WHERE pk = 'k' RETURNING ALL NEW *", null);
        Assert.Equal(PqlKind.Update, s.Kind);
        Assert.Equal([UpdateKind.Set, UpdateKind.Set, UpdateKind.Remove], s.Actions.Select(a => a.Kind));
        Assert.Equal("ALL_NEW", s.Returning);
    }

    [Fact]
    public void MalformedStatementsGetDynamoDbMessages()
    {
        var e = Fails("SELECT * FROM t WHERE pk = ?");
        Assert.Equal("ValidationException", e.Code);
        Assert.Equal("Number of parameters in request and statement don't match.", e.Message);
        Assert.StartsWith("Statement wasn't well formed, can't be processed: ", Fails("FROB t").Message);
        Assert.StartsWith("Statement wasn't well formed, can't be processed: ", Fails("SELECT * FROM t WHERE a = 'unterminated").Message);
        Assert.StartsWith("Statement wasn't well formed, can't be processed: ", Fails("UPDATE t WHERE pk = 1").Message);
        Assert.StartsWith("Statement wasn't well formed, can't be processed: ", Fails("SELECT * FROM t extra").Message);
    }
}
