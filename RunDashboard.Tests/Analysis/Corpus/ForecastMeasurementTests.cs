using System.Globalization;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Forecasts;
using RunDashboard.Core.Model;
using Xunit.Abstractions;

namespace RunDashboard.Tests.Analysis.Corpus;

/// <summary>
/// How well the forecast does on real curves: fitted on the first 30 % of each loss curve's steps, it predicts the
/// value at the curve's last step, compared with the median of the last three logged values there.
/// </summary>
[Collection(RealRunCollection.Name)]
public sealed class ForecastMeasurementTests(RealRunStore store, ITestOutputHelper output)
{
    public const double FitShare = 0.3;

    public sealed record Measurement(string File, int Run, string Key, int FitPoints, long LastStep, double Actual, double Predicted, double Low, double High, string Model, double MissPerEFold = 0)
    {
        public double RelativeError => Math.Abs(Predicted - Actual) / Math.Abs(Actual);
        public bool Covered => Actual >= Low && Actual <= High;

        /// <summary>The band's width as a share of the prediction: 0.5 means the band spans half the predicted value.</summary>
        public double RelativeWidth => (High - Low) / Math.Abs(Predicted);
    }

    public List<Measurement> Measure()
    {
        var results = new List<Measurement>();
        foreach (var (file, runs) in store.Files)
        {
            for (var r = 0; r < runs.Count; r++)
            {
                foreach (var key in new[] { MetricKeys.TrainLoss, MetricKeys.EvalLoss })
                {
                    if (runs[r].FindMetric(key) is null || store.Store.GetSeries(runs[r].Id, key) is not { } s) continue;
                    var finite = Enumerable.Range(0, s.Count).Where(i => double.IsFinite(s.Values[i])).ToList();
                    if (finite.Count < 10) continue;
                    long first = s.Steps[finite[0]], last = s.Steps[finite[^1]];
                    var cut = first + (long)((last - first) * FitShare);
                    var fit = finite.Where(i => s.Steps[i] <= cut).ToList();
                    if (fit.Count < Core.Services.ForecastService.MinPoints) continue;
                    var forecast = LossForecast.Fit(fit.Select(i => s.Steps[i]).ToArray(), fit.Select(i => s.Values[i]).ToArray(), last, Core.Services.ForecastService.MinPoints);
                    if (forecast is null) continue;
                    var actual = finite.TakeLast(3).Select(i => s.Values[i]).Order().ElementAt(Math.Min(1, finite.Count - 1));
                    if (actual == 0) continue;
                    results.Add(new Measurement(file, r + 1, key, fit.Count, last, actual, forecast.Predicted, forecast.Low, forecast.High, forecast.Model.Kind, forecast.MissPerEFold));
                }
            }
        }
        return results;
    }

    [Fact]
    public void Prints_the_forecast_error_on_the_corpus()
    {
        var results = Measure();
        static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        output.WriteLine($"{"file",-58} {"run",3} {"key",-10} {"fit",4} {"at step",8} {"actual",8} {"predicted",9} {"band",-19} {"error",7}  model");
        foreach (var m in results)
        {
            output.WriteLine($"{m.File,-58} {m.Run,3} {m.Key,-10} {m.FitPoints,4} {m.LastStep,8} {F(m.Actual),8} {F(m.Predicted),9} {$"{F(m.Low)}–{F(m.High)}",-19} {m.RelativeError,7:P1}  {m.Model}{(m.Covered ? "" : "  (outside band)")}");
        }
        var errors = results.Select(m => m.RelativeError).Order().ToList();
        var median = errors[errors.Count / 2];
        var widths = results.Select(m => m.RelativeWidth).Order().ToList();
        output.WriteLine($"curves: {results.Count}; median relative error {median:P1}; worst {errors[^1]:P1}; within band {results.Count(m => m.Covered)}/{results.Count}; "
            + $"median band width {widths[widths.Count / 2]:P1} of the prediction");
        var misses = results.Select(m => m.MissPerEFold).Order().ToList();
        output.WriteLine($"miss of the curves' own prefixes per e-fold of reach: median {misses[misses.Count / 2]:P1}, quartiles {misses[misses.Count / 4]:P1}–{misses[3 * misses.Count / 4]:P1}");
        foreach (var split in new[] { "seen/", "unseen/" })
        {
            var part = results.Where(m => m.File.StartsWith(split, StringComparison.Ordinal)).ToList();
            if (part.Count > 0) output.WriteLine($"{split} within band {part.Count(m => m.Covered)}/{part.Count}");
        }
        foreach (var key in new[] { MetricKeys.TrainLoss, MetricKeys.EvalLoss })
        {
            var k = results.Where(m => m.Key == key).Select(m => m.RelativeError).Order().ToList();
            if (k.Count > 0) output.WriteLine($"{key}: {k.Count} curves, median {k[k.Count / 2]:P1}, worst {k[^1]:P1}");
        }
        foreach (var (file, runs) in store.Files)
        {
            foreach (var run in runs)
            {
                var epochs = store.Store.GetSeries(run.Id, MetricKeys.Epoch);
                if (RunSettings.TotalSteps(run, run.FindMetric(MetricKeys.Epoch) is null ? null : epochs) is { } total) output.WriteLine($"total steps of {file}: {total.Steps} from {total.Source} (last step {run.Steps})");
            }
        }

        Assert.True(results.Count >= 10, "enough real curves to measure on");
        Assert.True(median < 0.35, $"median relative error {median:P1}: a forecast from 30 % of a run should land within about a fifth of the end");
        // The band is calibrated on each curve's own prefixes to hold about 80–90 % of true ends. On a few dozen
        // curves the share held varies by several points either way, so the test is whether as few as were held
        // would be unlikely (under 5 %) if the band really held 80 %: a one-sided binomial test.
        var held = results.Count(m => m.Covered);
        var chance = BinomialAtMost(held, results.Count, 0.8);
        output.WriteLine($"held {held}/{results.Count} ({held / (double)results.Count:P0}); chance of holding so few if the band held 80 %: {chance:P1}");
        Assert.True(chance >= 0.05, $"the band holds the true end of {held} of {results.Count} curves: that few would happen {chance:P1} of the time if it held 80 %");
        Assert.True(widths[widths.Count / 2] < 1, $"median band width {widths[widths.Count / 2]:P0} of the prediction: wider says nothing");
    }

    /// <summary>P(X ≤ k) for X ~ Binomial(n, p).</summary>
    internal static double BinomialAtMost(int k, int n, double p)
    {
        double sum = 0, term = Math.Pow(1 - p, n);
        for (var i = 0; i <= k; i++)
        {
            sum += term;
            term *= (double)(n - i) / (i + 1) * p / (1 - p);
        }
        return Math.Min(1, sum);
    }
}

public class BinomialTailTests
{
    [Theory]
    [InlineData(23, 29, 0.8, 0.5365960659825947)]
    [InlineData(18, 29, 0.8, 0.019704439843105027)]
    [InlineData(5, 10, 0.5, 0.623046875)]
    [InlineData(10, 10, 0.5, 1.0)]
    public void The_tail_matches_the_sum_of_binomial_terms(int k, int n, double p, double expected) =>
        Assert.Equal(expected, ForecastMeasurementTests.BinomialAtMost(k, n, p), 9);
}
