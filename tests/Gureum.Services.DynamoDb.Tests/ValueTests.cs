using Gureum.Api.Dynamodb;
using Gureum.Core;
using Gureum.Services.DynamoDb;

namespace Gureum.Services.DynamoDb.Tests;

public class ValueTests
{
    [Theory]
    [InlineData("1.50", "1.5")]
    [InlineData("-0", "0")]
    [InlineData("1E+3", "1000")]
    [InlineData("0.000100", "0.0001")]
    [InlineData("+12.0e-1", "1.2")]
    [InlineData("99999999999999999999999999999999999999", "99999999999999999999999999999999999999")]
    public void NumbersNormalise(string input, string expected) => Assert.Equal(expected, DdbNumber.Parse(input).ToString());

    [Fact]
    public void SmallestMagnitudeIsWrittenInPlainNotation() =>
        Assert.Equal("0." + new string('0', 129) + "1", DdbNumber.Parse("1E-130").ToString());

    [Theory]
    [InlineData("abc", "A value provided cannot be converted into a number")]
    [InlineData("", "A value provided cannot be converted into a number")]
    [InlineData("1e", "A value provided cannot be converted into a number")]
    [InlineData("123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number")]
    [InlineData("1E126", "Number overflow. Attempting to store a number with magnitude larger than supported range")]
    [InlineData("1E-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range")]
    public void BadNumbersAreRejectedWithAwsMessages(string input, string message) =>
        Assert.Equal(message, Assert.Throws<AwsServiceException>(() => DdbNumber.Parse(input)).Message);

    [Fact]
    public void ArithmeticIsExactDecimal()
    {
        var sum = DdbNumber.Parse("0.1") + DdbNumber.Parse("0.2");
        Assert.Equal("0.3", sum.ToString());
        Assert.Equal("-99999999999999999999999999999999999998", (DdbNumber.Parse("1") - DdbNumber.Parse("99999999999999999999999999999999999999")).ToString());
    }

    [Fact]
    public void KeyTextOrdersNumbersNumerically()
    {
        var numbers = new[] { "-1000", "-10.5", "-10", "-1", "-0.5", "0", "0.001", "0.5", "1", "9", "10", "10.5", "1E20" };
        var texts = numbers.Select(n => Values.KeyText(new AttributeValue { N = n })).ToList();
        var sorted = texts.OrderBy(t => t, StringComparer.Ordinal).ToList();
        Assert.Equal(texts, sorted);
    }

    [Fact]
    public void KeyTextOrdersStringsByUtf8Bytes()
    {
        // U+FF5E (BMP, 3 UTF-8 bytes) sorts before U+1F600 (4 bytes) in UTF-8 but after it in UTF-16 ordinal order.
        var strings = new[] { "", "a", "ab", "b", "\uFF5E", "\U0001F600" };
        var texts = strings.Skip(1).Select(s => Values.KeyText(new AttributeValue { S = s })).ToList();
        Assert.Equal(texts, texts.OrderBy(t => t, StringComparer.Ordinal).ToList());
        Assert.True(Values.CompareUtf8("\uFF5E", "\U0001F600") < 0);
    }

    [Fact]
    public void CodecRoundTripsEveryType()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["s"] = new() { S = "x" }, ["n"] = new() { N = "1.5" }, ["b"] = new() { B = [1, 2] }, ["t"] = new() { BOOL = true },
            ["z"] = new() { NULL = true }, ["l"] = new() { L = [new() { S = "y" }] },
            ["m"] = new() { M = new(StringComparer.Ordinal) { ["k"] = new() { N = "2" } } },
            ["ss"] = new() { SS = ["a"] }, ["ns"] = new() { NS = ["1"] }, ["bs"] = new() { BS = [[3]] },
        };
        var back = Values.Decode(Values.Encode(item));
        Assert.Equal(item.Count, back.Count);
        foreach (var (k, v) in item)
        {
            Assert.True(Values.Equal(v, back[k]), k);
        }
    }

    [Fact]
    public void SetsMustBeNonEmptyAndDuplicateFree()
    {
        Assert.Equal("One or more parameter values were invalid: An string set  may not be empty",
            Assert.Throws<AwsServiceException>(() => Values.Validate(new AttributeValue { SS = [] })).Message);
        Assert.Equal("One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.",
            Assert.Throws<AwsServiceException>(() => Values.Validate(new AttributeValue { NS = ["1", "1.0"] })).Message);
        Assert.Equal("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            Assert.Throws<AwsServiceException>(() => Values.Validate(new AttributeValue())).Message);
    }

    [Fact]
    public void ItemSizeFollowsAwsRules()
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["ab"] = new() { S = "xyz" },        // 2 + 3
            ["n"] = new() { N = "123" },         // 1 + (3+1)/2+1 = 3
            ["t"] = new() { BOOL = true },       // 1 + 1
        };
        Assert.Equal(5 + 4 + 2, Values.ItemSize(item));
    }
}
