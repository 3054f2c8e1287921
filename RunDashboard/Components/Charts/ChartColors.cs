namespace RunDashboard.Components.Charts;

/// <summary>
/// Colours that stay apart in light and dark themes; a run keeps its colour by its place in the link. Every line
/// has 3:1 contrast or more against the page (WCAG 2.1 non-text contrast): the light set on white, and its dark
/// twin, lighter, on the dark theme's surface (#373740).
/// </summary>
public static class ChartColors
{
    public static readonly IReadOnlyList<string> Runs =
    [
        "#1f77b4", "#d95f02", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#c2379b", "#0e7c86", "#7a7a00", "#737373",
    ];

    private static readonly IReadOnlyList<string> DarkRuns =
    [
        "#6cb4ee", "#ffa64d", "#5cd65c", "#ff7b7b", "#c3a6e8", "#d4a59a", "#f0a6da", "#5fe0ef", "#dede5a", "#bdbdbd",
    ];

    public static string ForRun(int index) => Runs[index % Runs.Count];

    public const string Train = "#3f51b5";
    public const string Eval = "#e65100";
    public const string Lr = "#2e7d32";
    public const string Warning = "#d32f2f";
    public const string Checkpoint = "#6d4c41";
    /// <summary>What the named parts of a loss do not explain.</summary>
    public const string Other = "#757575";

    private static readonly Dictionary<string, string> DarkOf = Runs.Zip(DarkRuns)
        .Concat([(Train, "#8c9eff"), (Eval, "#ff9e58"), (Lr, "#7bd67f"), (Warning, "#ff8a80"), (Checkpoint, "#c8a397"), (Other, "#9e9e9e")])
        .ToDictionary(p => p.Item1, p => p.Item2, StringComparer.OrdinalIgnoreCase);

    /// <summary>The colour as drawn in a theme: the dark twin of a known colour on dark pages, the colour itself otherwise.</summary>
    public static string? ForTheme(string? color, bool dark) =>
        dark && color is not null && DarkOf.TryGetValue(color, out var twin) ? twin : color;
}
