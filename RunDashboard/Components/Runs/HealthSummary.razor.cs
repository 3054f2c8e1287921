using Microsoft.AspNetCore.Components;
using RunDashboard.Core.Analysis.Health;

namespace RunDashboard.Components.Runs;

/// <summary>
/// A run's health findings as a summary that leaves the charts in the first screen: counts by severity, the top
/// concerns (duplicates merged) in one line each, and the full list behind one button.
/// </summary>
public partial class HealthSummary
{
    /// <summary>How many concerns the closed summary shows.</summary>
    public const int Top = 2;

    [Parameter, EditorRequired] public IReadOnlyList<Finding> Findings { get; set; } = [];
    [Parameter] public bool Expanded { get; set; }
    [Parameter] public EventCallback<bool> ExpandedChanged { get; set; }
    /// <summary>The link that shows a step on the charts.</summary>
    [Parameter, EditorRequired] public Func<long, string> StepHref { get; set; } = _ => "";

    private IReadOnlyList<FindingGroup> Groups { get; set; } = [];

    private IEnumerable<(Severity Severity, int Count)> Counts =>
        Findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => (g.Key, g.Count()));

    protected override void OnParametersSet() => Groups = FindingGroups.Merge(Findings);

    private Task ToggleAsync() => ExpandedChanged.InvokeAsync(!Expanded);

    private static string Css(Severity s) => s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    private static string Noun(Severity s, int n) => (s switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    }) + (n == 1 ? "" : "s");
}
