using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>Runs whose settings agree except for the seed, and how far apart their final values fall.</summary>
public sealed record SeedGroup(string Settings, IReadOnlyList<string> RunIds, IReadOnlyList<string> Seeds, IReadOnlyList<double> Finals, double Mean, double? StdDev)
{
    public double Range => Finals.Count == 0 ? 0 : Finals.Max() - Finals.Min();
}

/// <summary>Two groups' difference against the noise that seeds alone make.</summary>
public sealed record SeedComparison(int GroupA, int GroupB, double Difference, double? Noise, bool? Significant, string Verdict);

/// <summary>
/// Seed noise: runs that differ only in their seed show how much a final metric moves by chance; a difference between
/// two settings smaller than that is not evidence for either. Pure: works on runs and their final values.
/// </summary>
public static class SeedNoise
{
    /// <summary>Setting names (last segment of a nested key) that pick randomness, not the experiment.</summary>
    public static readonly IReadOnlySet<string> SeedKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "seed", "data_seed", "random_seed", "shuffle_seed", "torch_seed", "numpy_seed" };

    /// <summary>Settings that name where a run writes, not what it does.</summary>
    public static readonly IReadOnlySet<string> BookkeepingKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { "output_dir", "logging_dir", "run_name", "run_path", "run_dir", "save_dir", "checkpoint_dir", "hub_model_id", "save_path", "adapter_path", "wandb_run_id", "name" };

    /// <summary>A difference counts when it exceeds this many standard errors of the seed noise.</summary>
    public const double Sigmas = 2;

    public static IReadOnlyList<SeedGroup> Groups(IReadOnlyList<(Run Run, double? Final)> runs)
    {
        return runs.Where(r => r.Final is { } f && double.IsFinite(f))
            .GroupBy(r => Signature(r.Run), StringComparer.Ordinal)
            .Select(g =>
            {
                var finals = g.Select(r => r.Final!.Value).ToList();
                var mean = finals.Average();
                double? sd = finals.Count >= 2 ? Math.Sqrt(finals.Sum(v => (v - mean) * (v - mean)) / (finals.Count - 1)) : null;
                return new SeedGroup(g.Key, g.Select(r => r.Run.Id).ToList(), g.Select(r => Seed(r.Run) ?? "unknown").ToList(), finals, mean, sd);
            })
            .ToList();
    }

    /// <summary>Every pair of groups: the difference of their means against the pooled seed noise of the groups that have repeats.</summary>
    public static IReadOnlyList<SeedComparison> Compare(IReadOnlyList<SeedGroup> groups)
    {
        var repeated = groups.Where(g => g.StdDev is not null).ToList();
        double? pooled = repeated.Count == 0 ? null
            : Math.Sqrt(repeated.Sum(g => g.StdDev!.Value * g.StdDev.Value * (g.Finals.Count - 1)) / repeated.Sum(g => g.Finals.Count - 1));
        var comparisons = new List<SeedComparison>();
        for (var a = 0; a < groups.Count; a++)
        {
            for (var b = a + 1; b < groups.Count; b++)
            {
                var diff = groups[b].Mean - groups[a].Mean;
                double? noise = pooled is { } p ? p * Math.Sqrt(1.0 / groups[a].Finals.Count + 1.0 / groups[b].Finals.Count) : null;
                bool? significant = noise is { } n ? Math.Abs(diff) > Sigmas * n : null;
                var verdict = noise is not { } nz
                    ? $"difference {N(diff)}; no settings were run with more than one seed, so the seed noise is unknown"
                    : significant == true
                        ? $"difference {N(diff)} is beyond seed noise ({Sigmas}× its standard error {N(nz)})"
                        : $"difference {N(diff)} is within seed noise ({Sigmas}× its standard error {N(nz)}): not evidence for either setting";
                comparisons.Add(new SeedComparison(a, b, diff, noise, significant, verdict));
            }
        }
        return comparisons;
    }

    /// <summary>The run's settings without seeds and bookkeeping, as sorted <c>key=value</c> pairs.</summary>
    public static string Signature(Run run) => Signature(run.Hyperparameters.Select(h => (h.Key, h.Value)));

    /// <summary>The same signature from settings given as key and value pairs (a runs-list row keeps them so).</summary>
    public static string Signature(IEnumerable<(string Key, string Value)> settings) =>
        string.Join(", ", settings.Where(h => IsExperimentSetting(h.Key)).OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={h.Value}"));

    /// <summary>A setting that changes what a run does: neither a seed nor where it writes.</summary>
    public static bool IsExperimentSetting(string key) => !SeedKeys.Contains(Last(key)) && !BookkeepingKeys.Contains(Last(key));

    private static string? Seed(Run run) =>
        run.Hyperparameters.Where(h => SeedKeys.Contains(Last(h.Key))).Select(h => $"{h.Key}={h.Value}").FirstOrDefault();

    private static string Last(string key) => key[(key.LastIndexOf('.') + 1)..];

    private static string N(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
