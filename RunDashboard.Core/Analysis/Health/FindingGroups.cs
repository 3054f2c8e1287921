namespace RunDashboard.Core.Analysis.Health;

/// <summary>Findings that say the same thing, shown as one line: the most telling one leads, the rest are its evidence.</summary>
public sealed record FindingGroup(string Concern, IReadOnlyList<Finding> Members)
{
    public Finding Lead => Members[0];
    public Severity Severity => Members.Max(m => m.Severity);
    public int Count => Members.Count;
}

/// <summary>
/// Merges findings that restate one another, so a run with eleven findings reads as a handful of concerns.
/// </summary>
public static class FindingGroups
{
    /// <summary>
    /// Rules that measure the same thing. <c>final-metrics</c> (val − train gap) and <c>eval-train-ratio</c> (val ÷ train)
    /// both compare the last eval loss with the last train loss, so one is the other's evidence.
    /// </summary>
    private static readonly Dictionary<string, string> Concerns = new(StringComparer.Ordinal)
    {
        ["final-metrics"] = "overfitting",
        ["eval-train-ratio"] = "overfitting",
        ["overfitting-begins"] = "overfitting",
    };

    /// <summary>Which concern comes first among those of one severity: broken numbers, then generalisation, then the rest.</summary>
    private static readonly string[] Priority =
    [
        "non-finite", "divergence", "overfitting", "loss-spike", "flat-loss", "preference-accuracy", "preference-margin",
        "preference-rewards", "components-sum", "component-weight", "component-stalled", "lr-schedule", "lr-display-precision",
    ];

    public static IReadOnlyList<FindingGroup> Merge(IEnumerable<Finding> findings) =>
        findings
            .Select((f, i) => (Finding: f, Index: i))
            .GroupBy(x => ConcernOf(x.Finding.Rule))
            .Select(g => new FindingGroup(g.Key, g
                .OrderByDescending(x => x.Finding.Severity)
                .ThenBy(x => x.Finding.Rule == "final-metrics" ? 0 : 1) // the gap names both losses, so it leads
                .ThenBy(x => x.Index)
                .Select(x => x.Finding).ToList()))
            .OrderByDescending(g => g.Severity)
            .ThenBy(g => Array.IndexOf(Priority, g.Concern) is var i and >= 0 ? i : Priority.Length)
            .ThenByDescending(g => g.Count)
            .ToList();

    private static string ConcernOf(string rule) => Concerns.TryGetValue(rule, out var concern) ? concern : rule;
}
