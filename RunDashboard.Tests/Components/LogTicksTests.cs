using RunDashboard.Components.Charts;

namespace RunDashboard.Tests.Components;

public class LogTicksTests
{
    [Fact]
    public void A_learning_rate_warming_up_over_two_decades_is_labelled_with_whole_values()
    {
        // 1.93e-07 → 8.29e-06, the warm-up of the distillation run.
        var (values, labels) = LogTicks.For(1.93e-7, 8.29e-6);

        Assert.Equal(["2e-7", "5e-7", "1e-6", "2e-6", "5e-6"], labels);
        Assert.Equal(5, values.Count);
    }

    [Fact]
    public void A_loss_within_one_decade_is_labelled_at_every_digit_with_its_whole_value()
    {
        var (values, labels) = LogTicks.For(0.38, 0.72);

        Assert.Equal(["0.4", "0.5", "0.6", "0.7"], labels);
        Assert.Equal([0.4, 0.5, 0.6, 0.7], values);
    }

    [Fact]
    public void A_wide_range_shows_every_other_power_of_ten()
    {
        // Ten decades, 1e-8 … 10: five labels, each a power of ten.
        var (_, labels) = LogTicks.For(3e-9, 20);

        Assert.Equal(["1e-8", "1e-6", "1e-4", "0.01", "1"], labels);
    }
}
