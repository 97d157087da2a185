using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Services.DynamoDb;

namespace Gureum.Services.DynamoDb.Tests;

public class ExpressionTests
{
    private static AttributeValue S(string s) => new() { S = s };
    private static AttributeValue N(string n) => new() { N = n };

    private static Dictionary<string, AttributeValue> Item() => new(StringComparer.Ordinal)
    {
        ["pk"] = S("k"),
        ["n"] = N("5"),
        ["s"] = S("hello"),
        ["l"] = new() { L = [N("1"), S("two"), new() { M = new(StringComparer.Ordinal) { ["x"] = N("3") } }] },
        ["m"] = new() { M = new(StringComparer.Ordinal) { ["a"] = new() { M = new(StringComparer.Ordinal) { ["b"] = S("deep") } } } },
        ["ss"] = new() { SS = ["a", "b"] },
    };

    private static bool Eval(string expression, Dictionary<string, AttributeValue>? values = null, Dictionary<string, string>? names = null)
    {
        var ctx = new ExpressionContext(names, values);
        var condition = ctx.ParseCondition(expression, "ConditionExpression");
        ctx.CheckUnused();
        return Evaluator.Evaluate(condition, Item());
    }

    private static string Fails(Action action) => Assert.Throws<AwsServiceException>(action).Message;

    [Theory]
    [InlineData("n = :five", true)]
    [InlineData("n <> :five", false)]
    [InlineData("n < :six AND n >= :five", true)]
    [InlineData("n BETWEEN :five AND :six", true)]
    [InlineData("n IN (:six, :five)", true)]
    [InlineData("NOT n = :five OR s = :hello", true)]
    [InlineData("(n = :six OR s = :hello) AND attribute_exists(m.a.b)", true)]
    [InlineData("attribute_not_exists(absent) AND absent <> :five", true)]
    [InlineData("absent = :five", false)]
    [InlineData("begins_with(s, :he) AND contains(s, :ll) AND contains(ss, :a)", true)]
    [InlineData("size(s) = :five AND size(l) > :two AND size(m) = :one", true)]
    [InlineData("l[2].x = :three AND l[1] = :two_s", true)]
    [InlineData("attribute_type(n, :typeN) AND NOT attribute_type(s, :typeN)", true)]
    [InlineData("s > :he", true)]
    [InlineData("n > :hello", false)]
    public void ConditionsEvaluateAsDynamoDbDoes(string expression, bool expected)
    {
        var all = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [":five"] = N("5.0"), [":six"] = N("6"), [":hello"] = S("hello"), [":he"] = S("he"), [":ll"] = S("ll"),
            [":a"] = S("a"), [":two"] = N("2"), [":one"] = N("1"), [":three"] = N("3"), [":two_s"] = S("two"), [":typeN"] = S("N"),
        };
        var used = all.Where(kv => System.Text.RegularExpressions.Regex.IsMatch(expression, kv.Key + @"\b")).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal(expected, Eval(expression, used));
    }

    [Fact]
    public void AndBindsTighterThanOr()
    {
        var v = new Dictionary<string, AttributeValue> { [":five"] = N("5"), [":six"] = N("6") };
        Assert.True(Eval("n = :five OR n = :six AND n = :six", v));
        Assert.False(Eval("(n = :five OR n = :six) AND n = :six", v));
    }

    [Fact]
    public void ValidationMessagesMatchAws()
    {
        Assert.Equal("Invalid ConditionExpression: The expression can not be empty;", Fails(() => Eval("  ")));
        Assert.Equal("Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Size",
            Fails(() => Eval("attribute_exists(Size)")));
        Assert.Equal("Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
            Fails(() => Eval("attribute_exists(#x)")));
        Assert.Equal("Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :v",
            Fails(() => Eval("n = :v")));
        Assert.Equal("Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}",
            Fails(() => Eval("attribute_exists(n)", new() { [":v"] = N("1") })));
        Assert.Equal("Invalid ConditionExpression: The expression has redundant parentheses;", Fails(() => Eval("((attribute_exists(n)))")));
        Assert.Equal("Invalid ConditionExpression: Invalid function name; function: nope", Fails(() => Eval("nope(n)")));
        Assert.Equal("Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
            Fails(() => Eval("begins_with(n)")));
        Assert.Equal("Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [data]",
            Fails(() => Eval("contains(#a, #a)", names: new() { ["#a"] = "data" })));
        Assert.StartsWith("Invalid ConditionExpression: Syntax error; token: \"<EOF>\"", Fails(() => Eval("n =")));
    }

    [Fact]
    public void UpdateActionsApplyToACopyWithOldValuesOnTheRight()
    {
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            [":one"] = N("1"), [":l"] = new() { L = [S("z")] }, [":set"] = new() { SS = ["c", "a"] },
        };
        var ctx = new ExpressionContext(null, values);
        var actions = ctx.ParseUpdate("SET n = n + :one, prev = n, l2 = list_append(l, :l) REMOVE m.a.b, l[0] ADD ss :set");
        ctx.CheckUnused();
        var old = Item();
        var updated = Evaluator.ApplyUpdate(old, actions);
        Assert.Equal("6", updated["n"].N);
        Assert.Equal("5", updated["prev"].N);
        Assert.Equal("5", old["n"].N);
        Assert.Equal(["two", null], updated["l"].L!.Select(x => x.S));
        Assert.Equal([null, "two", null, "z"], updated["l2"].L!.Select(x => x.S));
        Assert.Empty(updated["m"].M!["a"].M!);
        Assert.Equal(["a", "b", "c"], updated["ss"].SS!.Order());
    }

    [Fact]
    public void UpdateParsingRejectsOverlapsAndBadOperands()
    {
        var values = new Dictionary<string, AttributeValue> { [":v"] = S("x") };
        Assert.Equal("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
            Fails(() => new ExpressionContext(null, values).ParseUpdate("SET a = :v REMOVE a.b")));
        Assert.Equal("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
            Fails(() => new ExpressionContext(null, values).ParseUpdate("ADD a :v")));
        Assert.Equal("Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
            Fails(() => new ExpressionContext(null, values).ParseUpdate("SET a = :v SET b = :v")));
    }

    [Fact]
    public void ProjectionKeepsNestedShape()
    {
        var ctx = new ExpressionContext(null, null);
        var projected = Evaluator.Project(Item(), ctx.ParseProjection("m.a.b, l[2].x, n"));
        Assert.Equal("deep", projected["m"].M!["a"].M!["b"].S);
        Assert.Equal("3", projected["l"].L![0].M!["x"].N);
        Assert.Equal("5", projected["n"].N);
        Assert.Equal(3, projected.Count);
    }
}
