using Gureum.Api.Sns;

namespace Gureum.Services.Sns.Tests;

public class FilterPolicyTests
{
    private static MessageAttributeValue S(string v) => new() { DataType = "String", StringValue = v };

    private static MessageAttributeValue N(string v) => new() { DataType = "Number", StringValue = v };

    private static bool Attr(string policy, Dictionary<string, MessageAttributeValue> attributes) =>
        FilterPolicy.Parse(policy, FilterPolicy.AttributesScope, false).Matches(FilterPolicy.AttributeLookup(attributes));

    private static bool Body(string policy, string body) =>
        FilterPolicy.BodyLookup(body) is { } lookup && FilterPolicy.Parse(policy, FilterPolicy.BodyScope, false).Matches(lookup);

    [Theory]
    [InlineData("""{"a":["x"]}""", "x", true)]
    [InlineData("""{"a":["x"]}""", "y", false)]
    [InlineData("""{"a":[{"prefix":"ab"}]}""", "abc", true)]
    [InlineData("""{"a":[{"prefix":"ab"}]}""", "cab", false)]
    [InlineData("""{"a":[{"suffix":"bc"}]}""", "abc", true)]
    [InlineData("""{"a":[{"equals-ignore-case":"ABC"}]}""", "aBc", true)]
    [InlineData("""{"a":[{"anything-but":["x","y"]}]}""", "z", true)]
    [InlineData("""{"a":[{"anything-but":["x","y"]}]}""", "y", false)]
    [InlineData("""{"a":[{"anything-but":"x"}]}""", "x", false)]
    [InlineData("""{"a":[{"anything-but":{"prefix":"in"}}]}""", "internal", false)]
    [InlineData("""{"a":[{"anything-but":{"prefix":"in"}}]}""", "public", true)]
    [InlineData("""{"a":[{"cidr":"192.168.0.0/16"}]}""", "192.168.4.1", true)]
    [InlineData("""{"a":[{"cidr":"192.168.0.0/16"}]}""", "192.169.4.1", false)]
    [InlineData("""{"a":[{"exists":true}]}""", "anything", true)]
    [InlineData("""{"a":[{"exists":false}]}""", "anything", false)]
    public void String_attribute_rules(string policy, string value, bool expected) =>
        Assert.Equal(expected, Attr(policy, new() { ["a"] = S(value) }));

    [Theory]
    [InlineData("""{"n":[5]}""", "5.0", true)]
    [InlineData("""{"n":[5]}""", "6", false)]
    [InlineData("""{"n":[{"numeric":[">",0,"<=",5]}]}""", "5", true)]
    [InlineData("""{"n":[{"numeric":[">",0,"<=",5]}]}""", "0", false)]
    [InlineData("""{"n":[{"numeric":["=",3.5]}]}""", "3.5", true)]
    [InlineData("""{"n":[{"anything-but":[1,2]}]}""", "3", true)]
    [InlineData("""{"n":["5"]}""", "5", false)]
    public void Number_attribute_rules(string policy, string value, bool expected) =>
        Assert.Equal(expected, Attr(policy, new() { ["n"] = N(value) }));

    [Fact]
    public void Missing_attribute_only_matches_exists_false()
    {
        Assert.True(Attr("""{"a":[{"exists":false}]}""", []));
        Assert.False(Attr("""{"a":[{"anything-but":"x"}]}""", []));
        Assert.False(Attr("""{"a":["x"]}""", []));
    }

    [Fact]
    public void String_array_matches_any_element_and_keys_are_anded_and_or_alternates()
    {
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["tags"] = new() { DataType = "String.Array", StringValue = """["a", 7, true]""" },
            ["color"] = S("red"),
        };
        Assert.True(Attr("""{"tags":["a"]}""", attributes));
        Assert.True(Attr("""{"tags":[7]}""", attributes));
        Assert.False(Attr("""{"tags":["a"],"color":["blue"]}""", attributes));
        Assert.True(Attr("""{"$or":[{"color":["blue"]},{"tags":["a"]}]}""", attributes));
        Assert.False(Attr("""{"$or":[{"color":["blue"]},{"tags":["z"]}]}""", attributes));
    }

    [Fact]
    public void Payload_policies_follow_nested_keys_and_arrays()
    {
        const string body = """{"order":{"items":[{"sku":"A1","qty":2},{"sku":"B2","qty":9}],"paid":true,"note":null}}""";
        Assert.True(Body("""{"order":{"items":{"sku":["B2"]}}}""", body));
        Assert.True(Body("""{"order":{"items":{"qty":[{"numeric":[">",5]}]}}}""", body));
        Assert.True(Body("""{"order":{"paid":[true],"note":[null]}}""", body));
        Assert.False(Body("""{"order":{"paid":[false]}}""", body));
        Assert.False(Body("""{"order":{"missing":["x"]}}""", body));
        Assert.True(Body("""{"order":{"missing":[{"exists":false}]}}""", body));
        Assert.False(Body("""{"a":["x"]}""", "not json"));
    }

    [Theory]
    [InlineData("""{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}""", "FilterPolicy: Filter policy can not have more than 5 keys")]
    [InlineData("""{"a":[1,2,3,4,5,6,7,8,9,10,11],"b":[1,2,3,4,5,6,7,8,9,10,11,12,13,14]}""", "FilterPolicy: Filter policy is too complex")]
    [InlineData("""{"a":[]}""", "FilterPolicy: Empty arrays are not allowed")]
    [InlineData("""{"a":"x"}""", "FilterPolicy: \"a\" must be an object or an array")]
    [InlineData("""{"a":[{"prefix":1}]}""", "FilterPolicy: prefix match pattern must be a string")]
    [InlineData("""{"a":[{"numeric":["<",1,">",2]}]}""", "FilterPolicy: Too many elements in numeric expression")]
    [InlineData("""{"a":[{"numeric":[">",1,">",2]}]}""", "FilterPolicy: Bad numeric range operator: >")]
    [InlineData("""{"a":[{"numeric":["~",1]}]}""", "FilterPolicy: Unrecognized numeric range operator: ~")]
    [InlineData("""{"a":[{"cidr":"1.2.3.4/x"}]}""", "FilterPolicy: Malformed CIDR, mask bits must be an integer")]
    [InlineData("""{"a":[{"cidr":"1.2.3/8"}]}""", "FilterPolicy: Nonstandard IP address: 1.2.3")]
    [InlineData("""{"a":[{"prefix":"x","suffix":"y"}]}""", "FilterPolicy: Only one key allowed in match expression")]
    [InlineData("""not json""", "FilterPolicy: failed to parse JSON.")]
    public void Invalid_policies_answer_AWS_messages(string policy, string message)
    {
        var e = Assert.Throws<InvalidParameterException>(() => FilterPolicy.Parse(policy, FilterPolicy.AttributesScope, false));
        Assert.Equal("Invalid parameter: " + message, e.Message);
        Assert.Equal("InvalidParameterException", e.Code);
    }

    [Fact]
    public void Nested_policies_are_only_for_the_body_scope()
    {
        var e = Assert.Throws<InvalidParameterException>(() => FilterPolicy.Parse("""{"a":{"b":["c"]}}""", FilterPolicy.AttributesScope, true));
        Assert.Equal("Invalid parameter: Attributes Reason: Filter policy scope MessageAttributes does not support nested filter policy", e.Message);
        Assert.False(FilterPolicy.Parse("""{"a":{"b":["c"]}}""", FilterPolicy.BodyScope, true).IsEmpty);
    }
}
