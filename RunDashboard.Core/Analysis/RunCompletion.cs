using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>
/// Whether an uploaded log is done. A log cut short is not "finished": only the log's own words make it so (a final
/// summary such as Trainer's <c>train_runtime</c>, a "final" checkpoint, or the last step reaching the configured
/// total). A log that is neither done nor written to in the last minutes is incomplete. W&amp;B runs keep W&amp;B's state.
/// </summary>
public static class RunCompletion
{
    /// <summary>A training script that curls its growing log every few minutes stays "running" between uploads.</summary>
    public static readonly TimeSpan GrowingWindow = TimeSpan.FromMinutes(10);

    /// <summary>Hyperparameters that give the number of steps a run was configured for, as trainers name them.</summary>
    private static readonly string[] TotalStepKeys =
    [
        "max_steps", "iters", "total_steps", "max_iters", "train_iters", "num_train_steps", "optimizer_steps",
        "total_optimization_steps",
    ];

    /// <summary>Summary values that trainers print once, when training ends.</summary>
    private static readonly string[] FinalSummaryKeys = ["train_runtime", "total_time_seconds"];

    public static string StateOf(Run run, DateTime now)
    {
        // A synced run has W&B's own state, and a parser that read a crash or a failure in the log has said so.
        if (run.Source == RunSource.Wandb || run.State != RunStates.Finished) return run.State;
        if (LogSaysFinished(run)) return RunStates.Finished;
        return now - run.UpdatedAt < GrowingWindow ? RunStates.Running : RunStates.Incomplete;
    }

    /// <summary>Until when a run counts as running if nothing more arrives; null when its state does not depend on time.</summary>
    public static DateTime? RunningUntil(Run run, DateTime now) =>
        StateOf(run, now) == RunStates.Running && run.Source != RunSource.Wandb && run.State == RunStates.Finished
            ? run.UpdatedAt + GrowingWindow
            : null;

    public static bool LogSaysFinished(Run run)
    {
        if (run.Summary.Any(s => FinalSummaryKeys.Contains(s.Key, StringComparer.Ordinal))) return true;
        // MLX-LM prints "Saved final weights to …" as its last line.
        if (run.Events.Any(e => e.Kind == RunEvent.Checkpoint && e.Message.Contains("final", StringComparison.OrdinalIgnoreCase))) return true;
        return ConfiguredSteps(run) is { } total && run.Steps >= total;
    }

    /// <summary>The number of steps the run was configured for, when its hyperparameters say.</summary>
    public static long? ConfiguredSteps(Run run)
    {
        foreach (var key in TotalStepKeys)
        {
            if (run.FindHyperparameter(key) is { } text
                && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
            {
                return (long)value;
            }
        }
        return null;
    }
}
