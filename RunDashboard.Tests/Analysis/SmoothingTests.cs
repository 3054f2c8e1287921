using RunDashboard.Core.Analysis;

namespace RunDashboard.Tests.Analysis;

public class SmoothingTests
{
    [Fact]
    public void Matches_tensorboards_debiased_ema_by_hand()
    {
        // w = 0.5: last = 0.5·last + 0.5·v; debias by 1 − 0.5^n.
        // v=[2,4,8]: last 1 → 1/0.5 = 2; last 2.5 → 2.5/0.75 = 3.3333; last 5.25 → 5.25/0.875 = 6
        var s = Smoothing.DebiasedEma([2, 4, 8], 0.5);

        Assert.Equal(2, s[0], 10);
        Assert.Equal(10.0 / 3, s[1], 10);
        Assert.Equal(6, s[2], 10);
    }

    [Fact]
    public void Weight_zero_is_the_raw_series()
    {
        Assert.Equal([1.0, 5, 2], Smoothing.DebiasedEma([1, 5, 2], 0));
    }

    [Fact]
    public void The_first_point_is_not_dragged_towards_zero()
    {
        Assert.Equal(90, Smoothing.DebiasedEma([90, 90, 90], 0.99)[0], 10);
        Assert.Equal(90, Smoothing.DebiasedEma([90, 90, 90], 0.99)[2], 10);
    }

    [Fact]
    public void Nan_passes_through_without_poisoning_later_points()
    {
        var s = Smoothing.DebiasedEma([2, double.NaN, 4], 0.5);

        Assert.True(double.IsNaN(s[1]));
        Assert.Equal(10.0 / 3, s[2], 10);
    }

    [Fact]
    public void A_weight_of_one_or_more_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Smoothing.DebiasedEma([1], 1));
    }
}
