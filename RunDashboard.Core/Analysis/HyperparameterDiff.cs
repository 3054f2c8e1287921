using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>One row of a side-by-side diff: a key and its value in each run (null = the run does not have it).</summary>
public sealed record DiffRow(string Key, IReadOnlyList<string?> Values, bool Derived)
{
    /// <summary>True when the runs disagree, including one having the key and another not.</summary>
    public bool Differs => Values.Distinct(StringComparer.Ordinal).Skip(1).Any();
}

/// <summary>The hyperparameters of several runs side by side (the comparison people write by hand, computed).</summary>
public static class HyperparameterDiff
{
    private static readonly string[] BatchKeys = ["per_device_train_batch_size", "batch_size", "train_batch_size", "micro_batch_size"];
    private static readonly string[] AccumulationKeys = ["gradient_accumulation_steps", "grad_accumulation_steps", "grad_accum_steps", "accumulate_grad_batches"];
    private static readonly string[] StepKeys = ["iters", "max_steps", "max_iters", "train_iters", "total_steps"];
    private static readonly string[] DatasetKeys = ["dataset_size", "num_train_samples", "train_samples", "num_examples", "train_dataset_size"];

    public const string EffectiveBatch = "effective batch size";
    public const string Epochs = "epochs (≈ iters × batch / dataset)";
    public const string TrainedTokens = "trained tokens";

    public static IReadOnlyList<DiffRow> Build(IReadOnlyList<Run> runs)
    {
        var keys = runs.SelectMany(r => r.Hyperparameters.Select(h => h.Key)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToList();
        var rows = keys.Select(k => new DiffRow(k, runs.Select(r => r.FindHyperparameter(k)).ToList(), false)).ToList();
        rows.AddRange(DerivedRows(runs));
        return rows;
    }

    private static IEnumerable<DiffRow> DerivedRows(IReadOnlyList<Run> runs)
    {
        var batch = runs.Select(r => Number(r, BatchKeys)).ToList();
        var accumulation = runs.Select(r => Number(r, AccumulationKeys)).ToList();
        var effective = runs.Select((_, i) => batch[i] is { } b ? b * (accumulation[i] ?? 1) : (double?)null).ToList();
        if (effective.Any(e => e is not null)) yield return Row(EffectiveBatch, effective);

        var epochs = runs.Select((r, i) =>
            Number(r, StepKeys) is { } steps && effective[i] is { } e && Number(r, DatasetKeys) is { } size && size > 0
                ? Math.Round(steps * e / size, 2) : (double?)null).ToList();
        if (epochs.Any(e => e is not null)) yield return Row(Epochs, epochs);

        var tokens = runs.Select(r => r.FindMetric(MetricKeys.Tokens)?.LastValue).ToList();
        if (tokens.Any(t => t is not null)) yield return Row(TrainedTokens, tokens);
    }

    private static DiffRow Row(string key, IReadOnlyList<double?> values) =>
        new(key, values.Select(v => v?.ToString("G6", CultureInfo.InvariantCulture)).ToList(), true);

    private static double? Number(Run run, string[] keys)
    {
        foreach (var key in keys)
        {
            // Keys may be nested (training.batch_size) by the time they are flattened.
            var value = run.FindHyperparameter(key)
                        ?? run.Hyperparameters.Find(h => h.Key.EndsWith("." + key, StringComparison.Ordinal))?.Value;
            if (value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        }
        return null;
    }
}
