using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>One group of runs that differ only in their seed, as the API shows it.</summary>
public sealed record SeedGroupView(string Settings, IReadOnlyList<string> Runs, IReadOnlyList<string> Seeds, IReadOnlyList<double> Finals, double Mean, double? StdDev, double Range);

/// <summary>Two groups compared against seed noise.</summary>
public sealed record SeedComparisonView(int GroupA, int GroupB, double Difference, double? Noise, bool? Significant, string Verdict);

/// <summary>Groups the given runs by their settings without the seed and compares the groups' final values.</summary>
public sealed class SeedNoiseService(RunStore store)
{
    public (IReadOnlyList<SeedGroupView> Groups, IReadOnlyList<SeedComparisonView> Comparisons)? Analyse(IEnumerable<string> runIds, string key)
    {
        var runs = runIds.Select(store.GetRun).OfType<Run>().ToList();
        if (runs.Count == 0) return null;
        var groups = SeedNoise.Groups(runs.Select(r => (r, Final(r, key))).ToList());
        return (groups.Select(g => new SeedGroupView(g.Settings, g.RunIds, g.Seeds, g.Finals, g.Mean, g.StdDev, g.Range)).ToList(),
            SeedNoise.Compare(groups).Select(c => new SeedComparisonView(c.GroupA, c.GroupB, c.Difference, c.Noise, c.Significant, c.Verdict)).ToList());
    }

    private static double? Final(Run run, string key) => run.FindMetric(key) is { } m && double.IsFinite(m.LastValue) ? m.LastValue : null;
}
