using RunDashboard.Core.Analysis;

namespace RunDashboard.Tests.Analysis;

public class GroupCurvesTests
{
    private static readonly double[] Steps = [0, 10, 20, 30];

    [Theory]
    [InlineData(BandKind.MinMax)]
    [InlineData(BandKind.StdDev)]
    public void Identical_members_have_their_own_curve_as_mean_and_a_band_of_no_width(BandKind band)
    {
        double[] loss = [2.0, 1.5, 1.2, 1.1];

        var curve = GroupCurves.Of([(Steps, loss), (Steps, loss), (Steps, loss)], band);

        Assert.Equal(Steps, curve.X);
        Assert.Equal(loss, curve.Mean);
        Assert.Equal(loss, curve.Lower);
        Assert.Equal(loss, curve.Upper);
        Assert.All(curve.Members, n => Assert.Equal(3, n));
    }

    [Fact]
    public void A_min_max_band_runs_from_the_lowest_to_the_highest_member_at_each_step()
    {
        var curve = GroupCurves.Of([(Steps, [2.0, 1.6, 1.3, 1.0]), (Steps, [2.2, 1.4, 1.5, 1.2]), (Steps, [1.9, 1.5, 1.1, 1.4])], BandKind.MinMax);

        Assert.Equal([1.9, 1.4, 1.1, 1.0], curve.Lower);
        Assert.Equal([2.2, 1.6, 1.5, 1.4], curve.Upper);
        Assert.Equal([2.0333333333, 1.5, 1.3, 1.2], curve.Mean.Select(m => Math.Round(m, 10)));
    }

    [Fact]
    public void A_std_band_is_one_sample_standard_deviation_either_side_of_the_mean()
    {
        // Values 1 and 3: mean 2, sample standard deviation √2.
        var curve = GroupCurves.Of([([0.0], [1.0]), ([0.0], [3.0])], BandKind.StdDev);

        Assert.Equal(2, curve.Mean[0]);
        Assert.Equal(2 - Math.Sqrt(2), curve.Lower[0], 12);
        Assert.Equal(2 + Math.Sqrt(2), curve.Upper[0], 12);
    }

    [Fact]
    public void Members_logged_at_different_steps_meet_on_the_union_of_steps_and_a_member_that_stopped_early_stops_counting()
    {
        // One run logged every 10 steps up to 30, the other every 20 steps up to 20.
        var curve = GroupCurves.Of([(Steps, [4.0, 3.0, 2.0, 1.0]), ([0.0, 20.0], [6.0, 2.0])], BandKind.MinMax);

        Assert.Equal(Steps, curve.X);
        // At step 10 the second run is interpolated halfway between its 6 and 2.
        Assert.Equal([5.0, 3.5, 2.0, 1.0], curve.Mean);
        Assert.Equal([2, 2, 2, 1], curve.Members);
        Assert.Equal(1.0, curve.Lower[3]);
        Assert.Equal(1.0, curve.Upper[3]);
    }

    [Fact]
    public void Gaps_in_a_member_are_skipped_not_averaged_in()
    {
        var curve = GroupCurves.Of([(Steps, [2.0, double.NaN, 1.0, 1.0]), (Steps, [2.0, 2.0, 1.0, 1.0])], BandKind.MinMax);

        // The first run has no value at step 10: it is read between its neighbours (2 and 1).
        Assert.Equal(1.75, curve.Mean[1]);
        Assert.Equal(1.5, curve.Lower[1]);
        Assert.Equal(2.0, curve.Upper[1]);
    }
}
