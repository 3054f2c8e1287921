namespace RunDashboard.Core.Analysis;

/// <summary>Runs drawn as one line on the compare page: a name for the group and its members, in the order of the link.</summary>
public sealed record RunGroup(string Label, IReadOnlyList<string> RunIds);

/// <summary>A way to group the compared runs, as offered to the user.</summary>
public sealed record GroupChoice(string Value, string Label);

/// <summary>
/// Groups the runs of a comparison by a setting, a tag, or everything but the seed, with the grouping keys of
/// <see cref="Cohorts"/> (<c>config:&lt;key&gt;</c>, <c>tag:&lt;category&gt;</c>, <c>tagged:&lt;tag&gt;</c>, <see cref="Cohorts.Settings"/>).
/// </summary>
public static class RunGroups
{
    public const string None = "none";

    /// <summary>
    /// One group per value, ordered by where its first member stands in <paramref name="runs"/>: a group keeps its place
    /// (and so its colour) when runs are added to the end of a link. A run with several tags of a category joins one
    /// group named by all of them, so each run is counted once in a mean.
    /// </summary>
    public static IReadOnlyList<RunGroup> Of(IReadOnlyList<RunListItem> runs, string by)
    {
        if (by is None or "") return runs.Select(r => new RunGroup(r.Name, [r.Id])).ToList();
        var groups = new List<(string Key, List<RunListItem> Members)>();
        foreach (var run in runs)
        {
            var key = string.Join(" + ", Cohorts.ValuesOf(run, by));
            var group = groups.FindIndex(g => g.Key == key);
            if (group < 0) groups.Add((key, [run]));
            else groups[group].Members.Add(run);
        }
        return groups.Select(g => new RunGroup(by == Cohorts.Settings ? SettingsLabel(g.Members[0], runs) : Label(by, g.Key), g.Members.Select(m => m.Id).ToList()))
            .ToList();
    }

    /// <summary>
    /// The groupings that can tell these runs apart: everything but the seed, each setting whose value differs between
    /// them (seeds included, output paths not), each tag category and each tag some but not all of them carry.
    /// </summary>
    public static IReadOnlyList<GroupChoice> Choices(IReadOnlyList<RunListItem> runs)
    {
        var choices = new List<GroupChoice> { new(None, "none (one line per run)"), new(Cohorts.Settings, "everything but the seed") };
        choices.AddRange(Differing(runs, includeSeeds: true).Select(k => new GroupChoice("config:" + k, k)));
        choices.AddRange(runs.SelectMany(r => r.Categories.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(c => new GroupChoice("tag:" + c, $"tag category {c}")));
        choices.AddRange(runs.SelectMany(r => r.Tags).Distinct().Where(t => runs.Any(r => !r.Tags.Contains(t)))
            .Order(StringComparer.Ordinal).Select(t => new GroupChoice("tagged:" + t, $"tag {t}")));
        return choices;
    }

    /// <summary>A grouping the link names, if it is one of these runs' choices; otherwise no grouping.</summary>
    public static string Normalize(string? by, IReadOnlyList<RunListItem> runs) =>
        by is { Length: > 0 } && (by == Cohorts.Settings || Choices(runs).Any(c => c.Value == by)) ? by : None;

    private static string Label(string by, string value) =>
        by.StartsWith("config:", StringComparison.Ordinal) ? $"{by[7..]}={value}" : value;

    /// <summary>A settings group named by the settings that set it apart from the other runs, not by all of them.</summary>
    private static string SettingsLabel(RunListItem first, IReadOnlyList<RunListItem> all)
    {
        var differing = Differing(all, includeSeeds: false);
        if (differing.Count == 0) return "same settings";
        return string.Join(", ", differing.Select(k => $"{k}={(first.Config.TryGetValue(k, out var v) ? v : Cohorts.None)}"));
    }

    private static IReadOnlyList<string> Differing(IReadOnlyList<RunListItem> runs, bool includeSeeds) =>
        runs.SelectMany(r => r.Config.Keys).Distinct()
            .Where(k => includeSeeds ? !SeedNoise.BookkeepingKeys.Contains(k[(k.LastIndexOf('.') + 1)..]) : SeedNoise.IsExperimentSetting(k))
            .Where(k => runs.Select(r => r.Config.GetValueOrDefault(k)).Distinct().Count() > 1)
            .Order(StringComparer.Ordinal).ToList();
}
