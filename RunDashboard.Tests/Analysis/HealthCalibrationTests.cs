using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>The rules as real runs need them: training start, noisy tails, schedules that end at 0, rates printed as 0.</summary>
public class HealthCalibrationTests
{
    private static readonly HealthOptions Options = new();
    private static readonly DateTime Now = new(2025, 9, 10, 12, 0, 0, DateTimeKind.Utc);

    private static MetricSeries Line(string key, int n, Func<int, double> f, int every = 1) =>
        new(key, Enumerable.Range(1, n).Select(i => (long)i * every).ToArray(), Enumerable.Range(1, n).Select(f).ToArray());

    private static IReadOnlyList<Finding> Check(Run? run, params MetricSeries[] series)
    {
        run ??= new Run { Id = "r", Name = "r" };
        foreach (var s in series)
        {
            run.Metrics.Add(new MetricInfo { Key = s.Key, Alias = s.Key, Count = s.Count, FirstStep = s.Steps[0], LastStep = s.Steps[^1], NonFinite = s.Values.Count(v => !double.IsFinite(v)) });
        }
        return HealthChecks.Run(new RunData(run, series.ToDictionary(s => s.Key), Now), Options);
    }

    [Fact]
    public void The_first_steps_of_training_are_not_a_spike()
    {
        // ms-swift's first logged losses: 20.53 at step 1, 3.947 at step 10, then about 0.2.
        var loss = Line(MetricKeys.TrainLoss, 40, i => i == 1 ? 20.53 : i == 2 ? 3.947 : 0.2 + 0.02 * (i % 3), every: 10);
        Assert.DoesNotContain(Check(null, loss), f => f.Rule == "loss-spike");
    }

    [Fact]
    public void A_rise_above_everything_before_it_later_in_the_run_is_a_spike()
    {
        var loss = Line(MetricKeys.TrainLoss, 40, i => i == 1 ? 20.53 : i == 25 ? 2.0 : 0.2 + 0.02 * (i % 3), every: 10);
        Assert.Equal(250, Assert.Single(Check(null, loss), f => f.Rule == "loss-spike").Step);
    }

    [Fact]
    public void A_noisy_tail_around_a_lucky_minimum_is_not_divergence()
    {
        // The tail of ms-swift's DeepClima run: a best of 0.0883 at step 410, then 0.134 and 0.155.
        double[] tail = [0.1498, 0.1732, 0.1684, 0.1429, 0.1260, 0.1197, 0.1078, 0.1584, 0.0883, 0.1342, 0.1548];
        var loss = Line(MetricKeys.TrainLoss, 40, i => i <= 29 ? 0.3 - i * 0.005 : tail[i - 30], every: 10);
        Assert.DoesNotContain(Check(null, loss), f => f.Rule == "divergence");
    }

    [Fact]
    public void A_sustained_rise_is_a_warning_and_an_explosive_one_an_error()
    {
        var rising = Line(MetricKeys.TrainLoss, 40, i => i <= 20 ? 2.0 - i * 0.05 : 1.0 + (i - 20) * 0.05);
        var warning = Assert.Single(Check(null, rising), f => f.Rule == "divergence");
        Assert.Equal(Severity.Warning, warning.Severity); // last medians ≈ 1.95 against 1.0: 1.95×, under 3×

        var exploding = Line(MetricKeys.TrainLoss, 40, i => i <= 20 ? 2.0 - i * 0.05 : 1.0 + (i - 20) * 0.5);
        Assert.Equal(Severity.Error, Assert.Single(Check(null, exploding), f => f.Rule == "divergence").Severity);
    }

    [Fact]
    public void A_rise_that_ends_in_nan_is_an_error()
    {
        var loss = Line(MetricKeys.TrainLoss, 40, i => i == 40 ? double.NaN : i <= 20 ? 2.0 - i * 0.05 : 1.0 + (i - 20) * 0.05);
        var finding = Assert.Single(Check(null, loss), f => f.Rule == "divergence");
        Assert.Equal(Severity.Error, finding.Severity);
        Assert.Contains("non-finite at step 40", finding.Message);
    }

    [Fact]
    public void Zeros_at_the_end_of_a_decay_to_zero_are_the_schedule_not_the_display()
    {
        // A cosine schedule whose true final rate is 0, printed with 6 decimals.
        var lr = Line(MetricKeys.LearningRate, 100, i => Math.Round(6e-4 * (1 + Math.Cos(Math.PI * (i - 1) / 99.0)) / 2, 6));
        var findings = Check(null, lr);
        Assert.DoesNotContain(findings, f => f.Rule == "lr-display-precision");
        Assert.Contains("printed as 0 for the last", Assert.Single(findings, f => f.Rule == "lr-schedule").Message);
    }

    [Fact]
    public void Zeros_that_cut_a_decay_short_are_still_a_display_problem()
    {
        var lr = Line(MetricKeys.LearningRate, 100, i => i > 90 ? 0 : 1e-4 * (1 - i / 100.0)); // last non-zero is 10% of the peak
        Assert.Single(Check(null, lr), f => f.Rule == "lr-display-precision");
    }

    [Fact]
    public void A_rate_printed_as_zero_on_every_line_while_the_loss_falls_is_too_few_digits_with_the_configured_schedule()
    {
        var run = new Run { Id = "r", Name = "r", Hyperparameters = [new("learning_rate", "2e-07"), new("lr_scheduler_type", "cosine"), new("warmup_steps", "467")] };
        var lr = Line(MetricKeys.LearningRate, 30, _ => 0, every: 50);
        var loss = Line(MetricKeys.TrainLoss, 30, i => 21.1 - i * 0.2, every: 50);

        var findings = Check(run, lr, loss);

        var finding = Assert.Single(findings, f => f.Rule == "lr-display-precision");
        Assert.Contains("too few digits", finding.Message);
        Assert.Contains("learning_rate=2e-07, lr_scheduler_type=cosine, warmup_steps=467", finding.Message);
        Assert.DoesNotContain(findings, f => f.Message.Contains("NaN"));
        Assert.DoesNotContain(findings, f => f.Rule == "lr-schedule");
    }

    [Fact]
    public void A_rate_of_zero_on_every_line_with_a_flat_loss_is_not_called_a_display_problem()
    {
        var lr = Line(MetricKeys.LearningRate, 30, _ => 0, every: 50);
        var loss = Line(MetricKeys.TrainLoss, 30, i => 21.5 + (i % 3) * 0.05, every: 50);

        var findings = Check(null, lr, loss);

        Assert.DoesNotContain(findings, f => f.Rule == "lr-display-precision");
        Assert.Contains("settings uploaded with the run do not state the schedule", Assert.Single(findings, f => f.Rule == "lr-zero").Message);
    }
}
