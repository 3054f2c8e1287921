using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>
/// A run's numbers in one line (<c>train/loss 1.234 · val 1.301 · gap 5.4% · 600 steps · LoRA · lab</c>): the
/// description of its unfurl card and the line of numbers in its chat posts, so both say the same.
/// </summary>
public static class RunHeadline
{
    public static string Of(Run run)
    {
        var final = FinalMetrics.Of(run);
        var parts = new List<string>();
        if (final.TrainLoss is { } t) parts.Add($"train/loss {N(t)}");
        if (final.EvalLoss is { } e) parts.Add($"val {N(e)}");
        if (final.RelativeGap is { } g) parts.Add($"gap {P(g)}");
        // Preference runs are judged by their margin and accuracy as much as by their loss.
        if (run.FindMetric(MetricKeys.RewardsMargins)?.LastValue is { } margin && double.IsFinite(margin)) parts.Add($"margin {N(margin)}");
        if (run.FindMetric(MetricKeys.RewardsAccuracies)?.LastValue is { } accuracy && double.IsFinite(accuracy)) parts.Add($"accuracy {P(accuracy)}");
        parts.Add($"{run.Steps} steps");
        parts.Add(TrainingMethod.Detect(run));
        if (run.Project.Length > 0) parts.Add(run.Project);
        return string.Join(" · ", parts);
    }

    // Four significant digits with a lower-case exponent, NaN and ±Inf by name: how the dashboard writes numbers.
    private static string N(double v) =>
        double.IsFinite(v)
            ? v.ToString("G4", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal)
            : v.ToString(CultureInfo.InvariantCulture);

    private static string P(double ratio) => (ratio * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
