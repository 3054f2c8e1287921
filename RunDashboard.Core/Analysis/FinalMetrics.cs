using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>Where a run ended: last train and eval loss and the gap between them (the generalisation check people make by hand).</summary>
public sealed record FinalMetrics(double? TrainLoss, double? EvalLoss, long Steps)
{
    public double? Gap => TrainLoss is { } t && EvalLoss is { } e ? e - t : null;

    /// <summary>Gap relative to the train loss, as people quote it (val 1.629 over train 1.443 → 12.9%).</summary>
    public double? RelativeGap => Gap is { } g && TrainLoss is { } t && t != 0 ? g / Math.Abs(t) : null;

    public static FinalMetrics Of(Run run)
    {
        // A final value the source declared (a comparison file's final_metrics) wins over the last logged point, which
        // may be a smoothed or earlier report.
        var train = Summary(run, "final_train_loss") ?? run.FindMetric(MetricKeys.TrainLoss)?.LastValue ?? Summary(run, "train_loss");
        var eval = Summary(run, "final_val_loss", "final_eval_loss") ?? run.FindMetric(MetricKeys.EvalLoss)?.LastValue ?? Summary(run, "eval_loss", "val_loss");
        return new FinalMetrics(Finite(train), Finite(eval), run.Steps);
    }

    private static double? Summary(Run run, params string[] keys) =>
        keys.Select(k => run.Summary.Find(s => s.Key == k)).FirstOrDefault(s => s is not null)?.Value;

    private static double? Finite(double? v) => v is { } d && double.IsFinite(d) ? d : null;
}
