using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>
/// One axis of a parallel-coordinates view: a value per run. A categorical axis carries indexes into
/// <see cref="Categories"/> (its tick labels); a numeric one carries the numbers themselves.
/// </summary>
public sealed record ParallelAxis(string Label, IReadOnlyList<double> Values, IReadOnlyList<string>? Categories = null)
{
    public bool Categorical => Categories is not null;
}

/// <summary>The runs a parallel-coordinates view draws, its axes (settings first, the final metric last) and the runs it had to leave out.</summary>
public sealed record ParallelView(IReadOnlyList<string> RunIds, IReadOnlyList<ParallelAxis> Axes, string Metric, IReadOnlyList<string> LeftOut);

/// <summary>Settings that differ between runs against where each run ended, one axis per setting.</summary>
public static class ParallelAxes
{
    public const string Missing = "missing";

    /// <summary>
    /// The settings that differ across <paramref name="runs"/> (output paths and run names left out: they always differ
    /// and say nothing about the result) and the final <paramref name="metric"/> as the last axis. A setting is numeric
    /// when every run has it as a number; otherwise its values, "missing" included, become categories in sorted order.
    /// Runs without a final value of the metric are left out and named.
    /// </summary>
    public static ParallelView Build(IReadOnlyList<Run> runs, string metric)
    {
        var finals = runs.Select(r => Final(r, metric)).ToList();
        var kept = runs.Select((r, i) => (Run: r, Final: finals[i])).Where(p => p.Final is not null).ToList();
        var leftOut = runs.Where((_, i) => finals[i] is null).Select(r => r.Name).ToList();
        var keptRuns = kept.Select(k => k.Run).ToList();
        var axes = new List<ParallelAxis>();
        foreach (var row in HyperparameterDiff.Build(keptRuns).Where(r => r.Differs && !SeedNoise.BookkeepingKeys.Contains(r.Key[(r.Key.LastIndexOf('.') + 1)..])))
        {
            var numbers = row.Values.Select(Number).ToList();
            if (numbers.All(n => n is not null))
            {
                axes.Add(new ParallelAxis(row.Key, numbers.Select(n => n!.Value).ToList()));
                continue;
            }
            var texts = row.Values.Select(v => v ?? Missing).ToList();
            var categories = texts.Distinct(StringComparer.Ordinal).Order(NumericFirst.Instance).ToList();
            axes.Add(new ParallelAxis(row.Key, texts.Select(t => (double)categories.IndexOf(t)).ToList(), categories));
        }
        axes.Add(new ParallelAxis("final " + metric, kept.Select(k => k.Final!.Value).ToList()));
        return new ParallelView(keptRuns.Select(r => r.Id).ToList(), axes, metric, leftOut);
    }

    /// <summary>The final metric to colour by when the user picked none: validation loss if any run has it, else training loss.</summary>
    public static string DefaultMetric(IReadOnlyList<Run> runs) =>
        runs.Any(r => Final(r, MetricKeys.EvalLoss) is not null) ? MetricKeys.EvalLoss : MetricKeys.TrainLoss;

    /// <summary>The value a run ended at: the source's declared final loss when it has one (see <see cref="FinalMetrics"/>), else its last finite point.</summary>
    public static double? Final(Run run, string metric)
    {
        var declared = metric switch
        {
            MetricKeys.TrainLoss => FinalMetrics.Of(run).TrainLoss,
            MetricKeys.EvalLoss => FinalMetrics.Of(run).EvalLoss,
            _ => null,
        };
        if (declared is { } d && double.IsFinite(d)) return d;
        return run.FindMetric(metric)?.LastValue is { } last && double.IsFinite(last) ? last : null;
    }

    private static double? Number(string? value) =>
        value is not null && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    /// <summary>Numbers in numeric order before words, so a mixed axis reads 2, 16, 32, missing rather than 16, 2, 32.</summary>
    private sealed class NumericFirst : IComparer<string>
    {
        public static readonly NumericFirst Instance = new();

        public int Compare(string? a, string? b)
        {
            var (x, y) = (Number(a), Number(b));
            if (x is { } p && y is { } q) return p.CompareTo(q);
            if (x is not null) return -1;
            if (y is not null) return 1;
            return StringComparer.Ordinal.Compare(a, b);
        }
    }
}
