using RunDashboard.Core.WandB;

namespace RunDashboard.Tests.WandB;

public class WandbJsonTests
{
    [Fact]
    public void Bare_non_finite_numbers_are_read_and_the_same_words_inside_strings_are_left_alone()
    {
        Assert.True(WandbJson.TryParse("""{"a":NaN,"b":[Infinity,-Infinity],"c":"NaN and Infinity","d":"say \"NaN\"","NaN":1}""", out var v, out _));

        Assert.True(WandbValues.TryNumber(v.GetProperty("a"), out var a) && double.IsNaN(a));
        Assert.True(WandbValues.TryNumber(v.GetProperty("b")[0], out var b0) && double.IsPositiveInfinity(b0));
        Assert.True(WandbValues.TryNumber(v.GetProperty("b")[1], out var b1) && double.IsNegativeInfinity(b1));
        Assert.Equal("NaN and Infinity", v.GetProperty("c").GetString());
        Assert.Equal("say \"NaN\"", v.GetProperty("d").GetString());
        Assert.Equal(1, v.GetProperty("NaN").GetInt32());
    }

    [Fact]
    public void An_error_is_placed_at_the_byte_of_the_text_as_sent()
    {
        // Reading quotes NaN internally; the byte reported must still count in the text W&B sent.
        Assert.False(WandbJson.TryParse("""{"a":NaN,"b":NaN,"c":}""", out _, out var error));

        Assert.Equal("byte 21", error);
    }

    [Theory]
    [InlineData("5", 5L)]
    [InlineData("5.0", 5L)]
    [InlineData("61010.00", 61010L)]
    [InlineData("1e3", 1000L)]
    public void Integral_steps_are_steps_however_they_are_written(string text, long expected)
    {
        Assert.True(WandbJson.TryParse(text, out var v, out _));
        Assert.True(WandbValues.TryStep(v, out var step));
        Assert.Equal(expected, step);
    }

    [Theory]
    [InlineData("5.5")]
    [InlineData("\"5\"")]
    [InlineData("1e30")]
    public void Fractional_out_of_range_and_text_steps_are_not_steps(string text)
    {
        Assert.True(WandbJson.TryParse(text, out var v, out _));
        Assert.False(WandbValues.TryStep(v, out _));
    }
}
