using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

/// <summary>DPO/KTO: chosen log-probabilities falling while the margin rises.</summary>
public class LikelihoodDisplacementTests
{
    private static readonly DateTime Now = new(2025, 9, 10, 12, 0, 0, DateTimeKind.Utc);

    private static MetricSeries Line(string key, Func<int, double> f) =>
        new(key, Enumerable.Range(1, 20).Select(i => (long)i * 10).ToArray(), Enumerable.Range(1, 20).Select(f).ToArray());

    private static IReadOnlyList<Finding> Check(params MetricSeries[] series)
    {
        var run = new Run { Id = "r", Name = "r" };
        run.Metrics.AddRange(series.Select(s => new MetricInfo { Key = s.Key }));
        return HealthChecks.Run(new RunData(run, series.ToDictionary(s => s.Key), Now), new HealthOptions());
    }

    [Fact]
    public void Chosen_falling_while_the_margin_rises_is_flagged_with_the_split_and_remedies()
    {
        var findings = Check(
            Line(MetricKeys.LogpsChosen, i => -250 - i * 2),        // −252 → −290
            Line(MetricKeys.RewardsMargins, i => i * 0.1),
            Line(MetricKeys.RewardsChosen, i => -0.1 * i),          // chosen side: −0.1 per step
            Line(MetricKeys.RewardsRejected, i => -0.2 * i));       // rejected side: −0.2 per step

        var finding = Assert.Single(findings, f => f.Rule == "likelihood-displacement");

        Assert.Equal("200.0%", finding.Evidence["from rejected falling"]); // gain 0.1 per step: rejected gives 0.2 of it
        Assert.Equal("-100.0%", finding.Evidence["from chosen rising"]);
        Assert.Contains("rpo_alpha", finding.Message);
        Assert.Contains("lower β", finding.Message);
        Assert.Equal(Severity.Warning, finding.Severity);
    }

    [Fact]
    public void The_split_falls_back_to_log_probabilities_without_rewards()
    {
        var finding = Assert.Single(Check(
            Line(MetricKeys.LogpsChosen, i => -250 - i),
            Line(MetricKeys.LogpsRejected, i => -250 - 3 * i),
            Line(MetricKeys.RewardsMargins, i => i * 0.2)), f => f.Rule == "likelihood-displacement");

        Assert.Equal("150.0%", finding.Evidence["from rejected falling"]);
        Assert.Equal("logps/chosen and logps/rejected", finding.Evidence["split from"]);
    }

    [Fact]
    public void Chosen_rising_with_the_margin_is_healthy()
    {
        Assert.DoesNotContain(Check(
            Line(MetricKeys.LogpsChosen, i => -250 + i),
            Line(MetricKeys.RewardsMargins, i => i * 0.1)), f => f.Rule == "likelihood-displacement");
    }

    [Fact]
    public void Chosen_falling_while_the_margin_falls_too_is_not_displacement()
    {
        Assert.DoesNotContain(Check(
            Line(MetricKeys.LogpsChosen, i => -250 - i * 2),
            Line(MetricKeys.RewardsMargins, i => 2 - i * 0.1)), f => f.Rule == "likelihood-displacement");
    }
}
