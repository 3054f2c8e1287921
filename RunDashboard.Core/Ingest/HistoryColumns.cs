using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>What a column of a metrics export holds: the step, a time, which run, or a metric (and which).</summary>
public static class HistoryColumns
{
    public enum Role { Metric, Step, Timestamp, RunId, RunName, Project, Skip, Progress }

    private static readonly string[] StepNames = ["_step", "step", "global_step", "trainer/global_step", "current_steps", "iteration", "iter", "train/global_step"];

    public static Role Classify(string name) => name.ToLowerInvariant() switch
    {
        var n when StepNames.Contains(n) => Role.Step,
        "global_step/max_steps" => Role.Progress,
        "_timestamp" or "timestamp" => Role.Timestamp,
        "run_id" or "runid" or "run" or "id" => Role.RunId,
        "run_name" or "name" or "display_name" or "runname" => Role.RunName,
        "project" => Role.Project,
        "_runtime" or "_wandb" or "total_steps" or "percentage" or "remaining_time" or "state" or "tags" or "created_at" => Role.Skip,
        _ => Role.Metric,
    };

    /// <summary>Canonical key of an export column: Lightning's <c>val_acc</c>, <c>lr-AdamW</c>, <c>train_loss_step</c> included.</summary>
    public static string MetricKey(string name)
    {
        if (name.StartsWith("lr-", StringComparison.OrdinalIgnoreCase)) return MetricKeys.LearningRate;
        var n = name;
        if (n.EndsWith("_step", StringComparison.Ordinal) && n.Length > 5 && !n.Equals("training_step", StringComparison.Ordinal)) n = n[..^5];
        if (n.StartsWith("val_", StringComparison.OrdinalIgnoreCase) && !n.Equals("val_loss", StringComparison.OrdinalIgnoreCase)) return "eval/" + n[4..];
        if (n.StartsWith("valid_", StringComparison.OrdinalIgnoreCase)) return MetricKeys.Canonicalize("eval_" + n[6..]);
        // DeiT-style logs name the held-out split "test" (test_loss, test_acc1): an evaluation, as eval_ and val_ are.
        if (n.StartsWith("test_", StringComparison.OrdinalIgnoreCase)) return MetricKeys.Canonicalize("eval_" + n[5..]);
        return MetricKeys.Canonicalize(n);
    }
}
