using RunDashboard.Core.Ingest.Fast;

namespace RunDashboard.Tests.Ingest;

/// <summary>The inline comparisons of the literals between an MLX-LM line's numbers, against SequenceEqual, at every length.</summary>
public class ShortBytesTests
{
    [Fact]
    public void Starts_with_agrees_with_the_framework_for_every_length_and_every_differing_byte()
    {
        var text = "Iter 10: Train loss 2.345, Learning Rate 1.000e-05, It/sec 0.452, Trained Tokens 4200"u8.ToArray();
        for (var n = 0; n <= 40; n++)
        {
            var literal = text[..Math.Min(n, text.Length)];
            Assert.True(ShortBytes.StartsWith(text, literal), $"length {n}");
            Assert.Equal(text.AsSpan().StartsWith(literal), ShortBytes.StartsWith(text, literal));
            for (var at = 0; at < literal.Length; at++)
            {
                var other = (byte[])literal.Clone();
                other[at] ^= 0x20;
                Assert.False(ShortBytes.StartsWith(text, other), $"length {n}, byte {at} differs");
            }
            // A text shorter than the literal never starts with it, whatever bytes lie beyond the text in memory.
            if (literal.Length > 0) Assert.False(ShortBytes.StartsWith(text.AsSpan(0, literal.Length - 1), literal), $"text of length {n - 1}");
        }
    }

    [Fact]
    public void Equal_needs_the_same_length()
    {
        Assert.True(ShortBytes.Equal(" GB"u8, " GB"u8));
        Assert.False(ShortBytes.Equal(" GB tail"u8, " GB"u8));
        Assert.False(ShortBytes.Equal(" G"u8, " GB"u8));
        Assert.True(ShortBytes.Equal([], []));
    }
}
