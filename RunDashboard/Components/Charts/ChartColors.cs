namespace RunDashboard.Components.Charts;

/// <summary>Colours that stay apart in light and dark themes; a run keeps its colour by its place in the link.</summary>
public static class ChartColors
{
    public static readonly IReadOnlyList<string> Runs =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    ];

    public static string ForRun(int index) => Runs[index % Runs.Count];

    public const string Train = "#3f51b5";
    public const string Eval = "#e65100";
    public const string Lr = "#2e7d32";
    public const string Warning = "#d32f2f";
    public const string Checkpoint = "#6d4c41";
}
