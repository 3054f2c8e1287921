using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

public class DownsamplerTests
{
    private static MetricSeries Series(params double[] values) =>
        new("train/loss", Enumerable.Range(1, values.Length).Select(i => (long)i * 10).ToArray(), values);

    [Fact]
    public void A_series_that_fits_comes_back_whole()
    {
        var s = Downsampler.Reduce(Series(3, 2, 1), 10);

        Assert.False(s.Reduced);
        Assert.Equal([10, 20, 30], s.Steps);
        Assert.Equal([3.0, 2, 1], s.Values);
        Assert.Equal(3, s.Total);
    }

    [Fact]
    public void Buckets_keep_their_last_point_and_their_min_and_max()
    {
        // 10 points into 4 buckets of ceil(10/4) = 3: [5,9,1] [4,4,4] [2,8,3] [7]
        var s = Downsampler.Reduce(Series(5, 9, 1, 4, 4, 4, 2, 8, 3, 7), 4);

        Assert.True(s.Reduced);
        Assert.Equal([30, 60, 90, 100], s.Steps);
        Assert.Equal([1.0, 4, 3, 7], s.Values);
        Assert.Equal([1.0, 4, 2, 7], s.Min);
        Assert.Equal([9.0, 4, 8, 7], s.Max);
        Assert.Equal(10, s.Total);
    }

    [Fact]
    public void A_single_spike_survives_as_the_max_of_its_bucket()
    {
        var values = Enumerable.Repeat(1.0, 100_000).ToArray();
        values[54_321] = 250;

        var s = Downsampler.Reduce(Series(values), 1000);

        Assert.Equal(1000, s.Count);
        Assert.Equal(250, s.Max.Max());
        Assert.Equal(1, s.Values.Max());
    }

    [Fact]
    public void Non_finite_points_are_reported_by_step_and_do_not_poison_their_bucket()
    {
        var s = Downsampler.Reduce(Series(1, double.NaN, 3, 4, double.PositiveInfinity, 6), 2);

        Assert.Equal([20L, 50], s.NonFiniteSteps);
        Assert.Equal([3.0, 6], s.Values);
        Assert.Equal([1.0, 4], s.Min);
        Assert.Equal([3.0, 6], s.Max);
    }

    [Fact]
    public void A_bucket_of_only_nan_is_nan_not_zero()
    {
        var s = Downsampler.Reduce(Series(double.NaN, double.NaN, 1, 2), 2);

        Assert.True(double.IsNaN(s.Values[0]));
        Assert.True(double.IsNaN(s.Min[0]));
        Assert.Equal(2, s.Values[1]);
    }
}
