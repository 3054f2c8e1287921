using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>Each rule on hand-made series, on both sides of its threshold.</summary>
public class HealthChecksTests
{
    private static readonly HealthOptions Options = new();
    private static readonly DateTime Now = new(2025, 9, 10, 12, 0, 0, DateTimeKind.Utc);

    private static MetricSeries S(string key, params (long Step, double Value)[] points) =>
        new(key, points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());

    private static MetricSeries Line(string key, int n, Func<int, double> f, int every = 1) =>
        new(key, Enumerable.Range(1, n).Select(i => (long)i * every).ToArray(), Enumerable.Range(1, n).Select(f).ToArray());

    private static RunData Data(Run? run = null, params MetricSeries[] series)
    {
        run ??= new Run { Id = "r", Name = "r" };
        foreach (var s in series)
        {
            if (run.FindMetric(s.Key) is null)
            {
                var finite = s.Values.Where(double.IsFinite).ToList();
                run.Metrics.Add(new MetricInfo
                {
                    Key = s.Key, Alias = s.Key, Count = s.Count, FirstStep = s.Steps[0], LastStep = s.Steps[^1],
                    LastValue = s.Values[^1], NonFinite = s.Values.Count(v => !double.IsFinite(v)),
                    Min = finite.DefaultIfEmpty().Min(), Max = finite.DefaultIfEmpty().Max(),
                });
            }
        }
        return new RunData(run, series.ToDictionary(s => s.Key), Now);
    }

    private static IReadOnlyList<Finding> Check(RunData data) => HealthChecks.Run(data, Options);

    [Theory]
    [InlineData(1.443, 1.50, "good generalisation", Severity.Info)]     // 3.9%
    [InlineData(1.443, 1.629, "moderate gap", Severity.Info)]           // 12.9%, the comparison fixture's run 3
    [InlineData(1.0, 1.16, "significant overfitting", Severity.Warning)] // 16%
    public void The_final_gap_is_judged_by_seed_002s_thresholds(double train, double val, string verdict, Severity severity)
    {
        var finding = Check(Data(null, S(MetricKeys.TrainLoss, (1, 3), (100, train)), S(MetricKeys.EvalLoss, (1, 3), (100, val))))
            .Single(f => f.Rule == "final-metrics");

        Assert.Contains(verdict, finding.Message);
        Assert.Equal(severity, finding.Severity);
    }

    [Fact]
    public void Eval_rising_while_train_falls_marks_where_overfitting_began()
    {
        var train = Line(MetricKeys.TrainLoss, 10, i => 3 - i * 0.2, every: 100);
        var eval = S(MetricKeys.EvalLoss, (200, 2.5), (400, 2.1), (600, 2.0), (800, 2.2), (1000, 2.4));

        var finding = Check(Data(null, train, eval)).Single(f => f.Rule == "overfitting-begins");

        Assert.Equal(600, finding.Step);
        Assert.Empty(Check(Data(null, train, S(MetricKeys.EvalLoss, (200, 2.5), (600, 2.0), (1000, 2.03)))).Where(f => f.Rule == "overfitting-begins"));
    }

    [Fact]
    public void Non_finite_points_and_log_warnings_are_counted_and_located()
    {
        var run = new Run { Id = "r", Name = "r", Events = [new RunEvent(1118, RunEvent.Warning, "[Warning] lm_loss produced non-finite value (nan)", 31)] };
        var findings = Check(Data(run, S(MetricKeys.TrainLoss, (1117, 15.8), (1118, double.NaN), (1119, 15.7))));

        var nan = findings.Single(f => f.Rule == "non-finite");
        Assert.Equal(1118, nan.Step);
        Assert.Equal(Severity.Error, nan.Severity);
        Assert.Equal(1118, findings.Single(f => f.Rule == "log-warning").Step);
        Assert.Empty(Check(Data(null, S(MetricKeys.TrainLoss, (1, 2.0), (2, 1.9)))).Where(f => f.Rule == "non-finite"));
    }

    [Fact]
    public void A_cosine_schedule_with_warmup_is_recognised_with_its_final_ratio()
    {
        // A real cosine run: 4.68e-05 → 4.43e-06 (ratio 0.095) after warmup.
        const double peak = 4.68e-05, floor = 4.43e-06;
        var lr = new MetricSeries(MetricKeys.LearningRate, Enumerable.Range(0, 110).Select(i => (long)i * 10).ToArray(),
            Enumerable.Range(0, 110).Select(i => i < 10 ? peak * (i + 1) / 10 : floor + (peak - floor) * (1 + Math.Cos(Math.PI * (i - 9) / 100.0)) / 2).ToArray());

        var finding = Check(Data(null, lr)).Single(f => f.Rule == "lr-schedule");

        Assert.Contains("90-step warmup", finding.Message);
        Assert.Contains("cosine decay", finding.Message);
        Assert.Contains("final ratio 0.095", finding.Message);
    }

    [Fact]
    public void A_linear_decay_is_not_called_cosine_and_a_flat_rate_is_constant()
    {
        var linear = Line(MetricKeys.LearningRate, 100, i => 1e-4 * (1 - i / 100.0));
        Assert.Contains("linear decay", Check(Data(null, linear)).Single(f => f.Rule == "lr-schedule").Message);
        var constant = Line(MetricKeys.LearningRate, 100, _ => 1e-5);
        Assert.Contains("constant", Check(Data(null, constant)).Single(f => f.Rule == "lr-schedule").Message);
    }

    [Fact]
    public void A_learning_rate_printed_as_zero_between_non_zero_values_is_a_display_problem()
    {
        var lr = S(MetricKeys.LearningRate, (1000, 7.5e-6), (1118, 0), (1200, 8.4e-6));

        var finding = Check(Data(null, lr)).Single(f => f.Rule == "lr-display-precision");

        Assert.Equal(1118, finding.Step);
        Assert.Contains("8.03e-06", finding.Message); // 7.5e-06 + (8.4e-06 − 7.5e-06) × 118/200
        Assert.Empty(Check(Data(null, S(MetricKeys.LearningRate, (1, 0), (2, 0), (3, 0)))).Where(f => f.Rule == "lr-display-precision"));
    }

    [Fact]
    public void A_flat_loss_is_flagged_and_a_falling_one_is_not()
    {
        // A flat distillation run: 21.5475, 21.6245, 21.6569 …
        var flat = Line(MetricKeys.TrainLoss, 30, i => 21.5 + (i % 3) * 0.05, every: 100);
        Assert.Single(Check(Data(null, flat)), f => f.Rule == "flat-loss");
        var falling = Line(MetricKeys.TrainLoss, 30, i => 21.5 - i * 0.2, every: 100);
        Assert.DoesNotContain(Check(Data(null, falling)), f => f.Rule == "flat-loss");
    }

    [Fact]
    public void Divergence_and_spikes_are_flagged_above_their_factors()
    {
        var diverging = Line(MetricKeys.TrainLoss, 20, i => i < 10 ? 2.0 - i * 0.1 : 1.0 + (i - 10) * 0.1);
        Assert.Single(Check(Data(null, diverging)), f => f.Rule == "divergence"); // 1.9 against a best of 1.0
        var slightly = Line(MetricKeys.TrainLoss, 20, i => i < 10 ? 2.0 - i * 0.1 : 1.0 + (i - 10) * 0.04);
        Assert.DoesNotContain(Check(Data(null, slightly)), f => f.Rule == "divergence"); // 1.36: under 1.5×

        // A loss that fell to almost nothing and wobbles there: many times its best, but by a negligible amount
        // next to its fall. The same wobble on a loss that never fell is still a rise.
        var settled = Line(MetricKeys.TrainLoss, 40, i => i < 20 ? 0.004 * (20 - i) / 20 + 6e-8 : 6e-8 * (1 + (i - 20) * 0.5));
        Assert.DoesNotContain(Check(Data(null, settled)), f => f.Rule == "divergence");
        var neverFell = Line(MetricKeys.TrainLoss, 40, i => i < 20 ? 6e-8 : 6e-8 * (1 + (i - 20) * 0.5));
        Assert.Single(Check(Data(null, neverFell)), f => f.Rule == "divergence");

        var spiky = Line(MetricKeys.TrainLoss, 40, i => i == 20 ? 7.0 : 2.0);
        Assert.Equal(20, Check(Data(null, spiky)).Single(f => f.Rule == "loss-spike").Step);
        var bump = Line(MetricKeys.TrainLoss, 40, i => i == 20 ? 5.0 : 2.0);
        Assert.DoesNotContain(Check(Data(null, bump)), f => f.Rule == "loss-spike"); // 2.5×, under 3×
    }

    [Fact]
    public void An_eval_loss_six_times_train_is_flagged_and_one_and_a_half_is_not()
    {
        var train = S(MetricKeys.TrainLoss, (1, 21.5), (2065, 15.5));
        Assert.Contains("6.2×", Check(Data(null, train, S(MetricKeys.EvalLoss, (2000, 95.86)))).Single(f => f.Rule == "eval-train-ratio").Message);
        Assert.DoesNotContain(Check(Data(null, train, S(MetricKeys.EvalLoss, (2000, 23.0)))), f => f.Rule == "eval-train-ratio");
    }

    [Fact]
    public void Component_shares_are_compared_with_their_alpha_weights_and_the_remainder_reported()
    {
        var run = new Run
        {
            Id = "r", Name = "r",
            Hyperparameters = [new("alpha_kd", "0.7"), new("alpha_feature", "0.1"), new("alpha_attention", "0.1")],
        };
        var findings = Check(Data(run,
            S(MetricKeys.EvalLoss, (1000, 101.4), (2000, 95.86)),
            S("eval/loss/kd", (1000, 21.14), (2000, 14.85)),
            S("eval/loss/feature", (1000, 40.79), (2000, 41.22)),
            S("eval/loss/attention", (1000, 0.49), (2000, 0.47))));

        var weights = findings.Where(f => f.Rule == "component-weight").ToDictionary(f => f.Metric!);
        Assert.Contains("15.5%", weights["eval/loss/kd"].Message);
        Assert.Contains("0.22×", weights["eval/loss/kd"].Message);
        Assert.Contains("43.0%", weights["eval/loss/feature"].Message);
        Assert.Contains("eval/loss/attention", weights.Keys);
        Assert.Contains("41.0% is unexplained", findings.Single(f => f.Rule == "components-sum").Message);
        Assert.Contains(findings, f => f.Rule == "component-stalled" && f.Metric == "eval/loss/feature");
        Assert.DoesNotContain(findings, f => f.Rule == "component-stalled" && f.Metric == "eval/loss/kd");
    }

    [Fact]
    public void Components_in_line_with_their_weights_and_summing_up_raise_nothing()
    {
        var run = new Run { Id = "r", Name = "r", Hyperparameters = [new("alpha_kd", "0.7"), new("alpha_feature", "0.3")] };
        var findings = Check(Data(run,
            S(MetricKeys.EvalLoss, (1000, 12), (2000, 10)),
            S("eval/loss/kd", (1000, 8.4), (2000, 7)),
            S("eval/loss/feature", (1000, 3.6), (2000, 3))));

        Assert.DoesNotContain(findings, f => f.Rule is "component-weight" or "components-sum" or "component-stalled");
    }

    [Fact]
    public void A_falling_margin_is_a_warning_and_a_rising_one_is_not()
    {
        var falling = Line(MetricKeys.RewardsMargins, 10, i => 1.0 - i * 0.05);
        Assert.Equal(Severity.Warning, Check(Data(null, falling)).Single(f => f.Rule == "preference-margin").Severity);
        var rising = Line(MetricKeys.RewardsMargins, 10, i => 0.1 + i * 0.1);
        Assert.Equal(Severity.Info, Check(Data(null, rising)).Single(f => f.Rule == "preference-margin").Severity);

        var chosenDown = Line(MetricKeys.RewardsChosen, 10, i => 0.2 - i * 0.01);
        var rejectedUp = Line(MetricKeys.RewardsRejected, 10, i => -0.8 + i * 0.01);
        Assert.Equal(Severity.Warning, Check(Data(null, chosenDown, rejectedUp)).Single(f => f.Rule == "preference-rewards").Severity);
        Assert.Single(Check(Data(null, Line(MetricKeys.RewardsAccuracies, 5, _ => 0.45))), f => f.Rule == "preference-accuracy");
        Assert.DoesNotContain(Check(Data(null, Line(MetricKeys.RewardsAccuracies, 5, _ => 0.55))), f => f.Rule == "preference-accuracy");
    }

    [Fact]
    public void Synced_runs_are_checked_for_seed_001s_data_problems()
    {
        var run = new Run
        {
            Id = "r", Name = "r", Source = RunSource.Wandb, State = RunStates.Running,
            Hyperparameters = [new("pretrain_steps", "15000"), new("model_pretrain_steps", "\"29901\""), new("pretrain_compute", "100"), new("model_pretrain_compute", "105")],
            Wandb = new WandbRunInfo { HeartbeatAt = Now.AddHours(-3) },
        };

        var findings = Check(Data(run));

        var divergence = Assert.Single(findings, f => f.Rule == "config-divergence");
        Assert.Contains("1.993×", divergence.Message);
        Assert.Single(findings, f => f.Rule == "stale-running");
        Assert.Single(findings, f => f.Rule == "missing-tags");

        run.Wandb.HeartbeatAt = Now.AddMinutes(-10);
        run.State = RunStates.Finished;
        run.Tags = ["4M"];
        findings = Check(Data(run));
        Assert.DoesNotContain(findings, f => f.Rule is "stale-running" or "missing-tags");
        Assert.Single(findings, f => f.Rule == "runtime-zero");
        run.Summary = [new("_runtime", 1804)];
        Assert.DoesNotContain(Check(Data(run)), f => f.Rule == "runtime-zero");
    }
}

public class HealthChecksWarmupTests
{
    [Fact]
    public void A_log_that_ends_during_warmup_says_so_instead_of_calling_it_constant()
    {
        var lr = new MetricSeries(MetricKeys.LearningRate, Enumerable.Range(1, 40).Select(i => (long)i * 50).ToArray(),
            Enumerable.Range(1, 40).Select(i => 2e-7 * i).ToArray());

        var finding = HealthChecks.Run(new RunData(new Run { Id = "r", Name = "r" }, new Dictionary<string, MetricSeries> { [lr.Key] = lr }, DateTime.UtcNow), new HealthOptions())
            .Single(f => f.Rule == "lr-schedule");

        Assert.Contains("still warming up", finding.Message);
        Assert.DoesNotContain("constant", finding.Message);
    }
}
