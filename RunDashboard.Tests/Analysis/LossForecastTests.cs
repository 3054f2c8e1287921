using RunDashboard.Core.Analysis.Forecasts;

namespace RunDashboard.Tests.Analysis;

/// <summary>The forecast on curves whose end is known.</summary>
public class LossForecastTests
{
    private static (long[] Steps, double[] Values) Curve(int n, int every, Func<double, double> f, double noise = 0)
    {
        var random = new Random(7);
        var steps = Enumerable.Range(1, n).Select(i => (long)i * every).ToArray();
        return (steps, steps.Select(s => f(s) + noise * (random.NextDouble() - 0.5)).ToArray());
    }

    [Fact]
    public void A_power_law_curve_is_extended_to_the_configured_end()
    {
        var (steps, values) = Curve(60, 10, t => 1.8 + 4 * Math.Pow(t, -0.5), noise: 0.02);

        var forecast = LossForecast.Fit(steps, values, 2000)!;

        var truth = 1.8 + 4 * Math.Pow(2000, -0.5);
        Assert.InRange(forecast.Predicted, truth * 0.97, truth * 1.03);
        Assert.InRange(truth, forecast.Low, forecast.High);
        Assert.Equal(CurveModel.PowerLaw, forecast.Model.Kind);
    }

    [Fact]
    public void An_exponential_approach_is_told_from_a_power_law_by_the_held_out_part()
    {
        var (steps, values) = Curve(60, 10, t => 0.5 + 3 * Math.Exp(-t / 150.0), noise: 0.005);

        var forecast = LossForecast.Fit(steps, values, 1200)!;

        Assert.Equal(CurveModel.Exponential, forecast.Model.Kind);
        Assert.InRange(forecast.Predicted, 0.49, 0.52);
    }

    [Fact]
    public void A_forecast_of_a_loss_never_goes_below_zero()
    {
        var (steps, values) = Curve(30, 10, t => 0.02 + 2 * Math.Exp(-t / 40.0), noise: 0.01);

        var forecast = LossForecast.Fit(steps, values, 5000)!;

        Assert.True(forecast.Low >= 0);
        Assert.True(forecast.Predicted >= 0);
    }

    [Fact]
    public void The_band_widens_the_further_the_forecast_reaches()
    {
        var (steps, values) = Curve(60, 10, t => 1.8 + 4 * Math.Pow(t, -0.5), noise: 0.05);

        var forecast = LossForecast.Fit(steps, values, 6000)!;

        var (_, nearLow, nearHigh) = forecast.At(1200);
        var (_, farLow, farHigh) = forecast.At(6000);
        Assert.True(farHigh - farLow > nearHigh - nearLow, $"band at 2× the fitted steps {nearHigh - nearLow:G3}, at 10× {farHigh - farLow:G3}");
    }

    [Fact]
    public void A_curve_its_own_prefixes_mispredict_gets_a_band_wide_enough_for_its_end()
    {
        // A loss that falls by the same amount every e-fold of steps never levels off as both families assume: fits on
        // its prefixes land too high, and so does the fit on all of it.
        var (steps, values) = Curve(60, 10, t => 3 - 0.3 * Math.Log(t), noise: 0.01);
        var (cleanSteps, cleanValues) = Curve(60, 10, t => 1.8 + 4 * Math.Pow(t, -0.5), noise: 0.01);

        var forecast = LossForecast.Fit(steps, values, 2000)!;
        var clean = LossForecast.Fit(cleanSteps, cleanValues, 2000)!;

        var truth = 3 - 0.3 * Math.Log(2000);
        Assert.InRange(truth, forecast.Low, forecast.High);
        Assert.True(forecast.MissPerEFold > 3 * clean.MissPerEFold, $"prefix miss per e-fold {forecast.MissPerEFold:G3} against {clean.MissPerEFold:G3} for a power law");
        Assert.True((forecast.High - forecast.Low) / forecast.Predicted > (clean.High - clean.Low) / clean.Predicted);
    }

    [Fact]
    public void Too_few_points_give_no_forecast()
    {
        Assert.Null(LossForecast.Fit([1, 2, 3, 4, 5], [5, 4, 3.5, 3.2, 3.1], 100, minPoints: 6));
    }
}
