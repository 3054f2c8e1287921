using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>
/// What a run's settings say about its size: the effective batch, the total number of optimizer steps it was
/// configured for, steps per epoch, and the configured learning-rate schedule. Read from the hyperparameters
/// (nested keys match by their last segment) and, where the settings leave a gap, from the logged epoch counter.
/// </summary>
public static class RunSettings
{
    private static readonly string[] GlobalBatchKeys = ["global_batch_size", "total_train_batch_size", "effective_batch_size"];
    private static readonly string[] BatchKeys = ["per_device_train_batch_size", "train_batch_size", "batch_size", "micro_batch_size"];
    private static readonly string[] AccumulationKeys = ["gradient_accumulation_steps", "grad_accumulation_steps", "grad_accum_steps", "accumulate_grad_batches"];
    private static readonly string[] WorldKeys = ["world_size", "n_gpu", "num_gpus", "data_parallel_size"];
    private static readonly string[] TotalStepKeys = ["iters", "max_steps", "train_iters", "total_optimization_steps", "max_iters", "total_steps", "num_training_steps"];
    private static readonly string[] EpochKeys = ["num_train_epochs", "epochs", "max_epochs", "num_epochs"];
    private static readonly string[] StepsPerEpochKeys = ["steps_per_epoch", "num_update_steps_per_epoch"];
    private static readonly string[] LearningRateKeys = ["learning_rate", "lr", "max_lr", "optimizer.lr"];
    private static readonly string[] SchedulerKeys = ["lr_scheduler_type", "lr_scheduler", "scheduler", "lr_schedule", "lr_decay_style"];
    private static readonly string[] WarmupKeys = ["warmup_steps", "warmup_ratio", "warmup_iters", "lr_warmup_iters", "lr_warmup_steps"];

    /// <summary>Samples per optimizer step: a global batch if the settings name one, else batch × accumulation × devices.</summary>
    public static double? EffectiveBatch(Run run)
    {
        if (Number(run, GlobalBatchKeys) is { } global && global > 0) return global;
        if (Number(run, BatchKeys) is not { } batch || batch <= 0) return null;
        var accumulation = Number(run, AccumulationKeys) is { } a && a > 0 ? a : 1;
        var world = Number(run, WorldKeys) is { } w && w > 0 ? w : 1;
        return batch * accumulation * world;
    }

    /// <summary>Steps per epoch from the settings, else from the last logged <c>train/epoch</c> against its step.</summary>
    public static double? StepsPerEpoch(Run run, MetricSeries? epochSeries)
    {
        if (Number(run, StepsPerEpochKeys) is { } configured && configured > 0) return configured;
        if (epochSeries is null) return null;
        for (var i = epochSeries.Count - 1; i >= 0; i--)
        {
            var e = epochSeries.Values[i];
            if (double.IsFinite(e) && e > 0 && epochSeries.Steps[i] > 0) return epochSeries.Steps[i] / e;
        }
        return null;
    }

    /// <summary>
    /// The number of optimizer steps the run was configured for, and the setting it came from: an explicit step
    /// count, else epochs × steps per epoch. Null when the settings do not say.
    /// </summary>
    public static (long Steps, string Source)? TotalSteps(Run run, MetricSeries? epochSeries)
    {
        foreach (var key in TotalStepKeys)
        {
            if (Number(run, [key]) is { } steps && steps > 0) return ((long)Math.Round(steps), key);
        }
        if (Number(run, EpochKeys) is { } epochs && epochs > 0 && StepsPerEpoch(run, epochSeries) is { } perEpoch)
        {
            return ((long)Math.Round(epochs * perEpoch), $"{epochs.ToString(CultureInfo.InvariantCulture)} epochs × {perEpoch.ToString("0.#", CultureInfo.InvariantCulture)} steps per epoch");
        }
        return null;
    }

    /// <summary>The configured schedule in the settings' own words (<c>learning_rate=2e-05, lr_scheduler_type=cosine, warmup_ratio=0.1</c>), or null.</summary>
    public static string? ConfiguredSchedule(Run run)
    {
        var parts = new List<string>();
        foreach (var keys in new[] { LearningRateKeys, SchedulerKeys, WarmupKeys })
        {
            foreach (var key in keys)
            {
                if (Text(run, key) is { } value) { parts.Add($"{key}={value}"); break; }
            }
        }
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    public static double? Number(Run run, string[] keys)
    {
        foreach (var key in keys)
        {
            if (Text(run, key) is { } value && double.TryParse(value.Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
        }
        return null;
    }

    private static string? Text(Run run, string key) =>
        run.FindHyperparameter(key) ?? run.Hyperparameters.Find(h => h.Key.EndsWith("." + key, StringComparison.Ordinal))?.Value;
}
