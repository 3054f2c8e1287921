using RunDashboard.Core.Analysis;

namespace RunDashboard.Tests.Analysis;

public class SlidingMedianTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(50)]
    [InlineData(300)]
    public void Each_median_is_the_middle_of_its_window_sorted(int window)
    {
        var rng = new Random(window);
        // One decimal over a small range: many equal values, which the window must remove and insert correctly.
        var values = Enumerable.Range(0, 1000).Select(_ => Math.Round(rng.NextDouble() * 5 - 1, 1)).ToArray();
        var medians = SlidingMedian.Of(values, window);
        Assert.Equal(values.Length - window + 1, medians.Length);
        for (var i = 0; i < medians.Length; i++)
        {
            Assert.Equal(values.Skip(i).Take(window).Order().ElementAt(window / 2), medians[i]);
        }
    }

    [Fact]
    public void A_window_longer_than_the_values_gives_no_medians()
    {
        Assert.Empty(SlidingMedian.Of([1.0, 2.0], 3));
        Assert.Equal([2.0], SlidingMedian.Of([3.0, 1.0, 2.0], 3));
    }

    [Fact]
    public void A_window_of_zero_points_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SlidingMedian.Of([1.0], 0));
    }
}
