using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>One group of runs and how they ended (e.g. runs with and without a timeout tag: how many finished, crashed or ran out of time).</summary>
public sealed record CohortRow(string Value, int Runs, IReadOnlyDictionary<string, int> States)
{
    public int Finished => States.GetValueOrDefault(RunStates.Finished);

    /// <summary>Finished runs among those that stopped (running ones are not counted against the group).</summary>
    public double? CompletionRate => Runs - States.GetValueOrDefault(RunStates.Running) is var stopped and > 0 ? (double)Finished / stopped : null;
}

public static class Cohorts
{
    public const string None = "(none)";

    /// <summary>
    /// Groups runs by <c>project</c>, <c>state</c>, <c>method</c>, <c>source</c>, <c>tag:&lt;category&gt;</c> or
    /// <c>config:&lt;key&gt;</c>. A run with two tags of a category counts in both groups.
    /// </summary>
    public static IReadOnlyList<CohortRow> Group(IEnumerable<RunListItem> runs, string by)
    {
        var groups = new Dictionary<string, List<RunListItem>>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            foreach (var value in ValuesOf(run, by))
            {
                if (!groups.TryGetValue(value, out var list)) groups[value] = list = [];
                list.Add(run);
            }
        }
        return groups.Select(g => new CohortRow(g.Key, g.Value.Count,
                g.Value.GroupBy(r => r.State).ToDictionary(s => s.Key, s => s.Count(), StringComparer.Ordinal)))
            .OrderByDescending(r => r.Runs).ThenBy(r => r.Value, StringComparer.Ordinal).ToList();
    }

    /// <summary>Runs whose settings are the same apart from seeds and output paths (see <see cref="SeedNoise"/>).</summary>
    public const string Settings = "settings";

    /// <summary>
    /// The group values of a run: one for a project, state, setting or <see cref="Settings"/>, one per tag of a tag
    /// category, and for <c>tagged:&lt;tag&gt;</c> the tag or "not &lt;tag&gt;".
    /// </summary>
    public static IEnumerable<string> ValuesOf(RunListItem run, string by)
    {
        if (by == Settings)
        {
            return [SeedNoise.Signature(run.Config.Select(c => (c.Key, c.Value)))];
        }
        if (by.StartsWith("tagged:", StringComparison.Ordinal))
        {
            var tag = by[7..];
            return [run.Tags.Contains(tag, StringComparer.Ordinal) ? tag : "not " + tag];
        }
        if (by.StartsWith("tag:", StringComparison.Ordinal))
        {
            return run.Categories.TryGetValue(by[4..], out var tags) ? tags : [None];
        }
        if (by.StartsWith("config:", StringComparison.Ordinal))
        {
            return [run.Config.TryGetValue(by[7..], out var v) ? v : None];
        }
        return [by switch
        {
            "project" => run.Project,
            "state" => run.State,
            "method" => run.Method,
            "source" => RunFilter.SourceName(run.Source),
            _ => None,
        }];
    }
}
