namespace RunDashboard.ViewState;

/// <summary>What the compare page shows; every field is a query parameter, absent when default.</summary>
public sealed record CompareView
{
    public const double DefaultSmoothing = 0.6;
    public const string StepAxis = "step";

    public static class Names
    {
        public const string Runs = "runs", Metric = "metric", Smooth = "smooth", X = "x", Log = "log", LogX = "logx", Robust = "robust", From = "from", To = "to", All = "all", Panels = "panels",
            Group = "group", Band = "band", Final = "final";
    }

    public IReadOnlyList<string> Runs { get; init; } = [];
    public string? Metric { get; init; }
    /// <summary>Null means the default, <see cref="DefaultSmoothing"/>; a link made by the page always states it.</summary>
    public double? Smooth { get; init; }
    public string X { get; init; } = StepAxis;
    public bool Log { get; init; }
    public bool LogX { get; init; }
    public bool Robust { get; init; } = true;
    public double? From { get; init; }
    public double? To { get; init; }
    /// <summary>All hyperparameters, not only the differing ones.</summary>
    public bool All { get; init; }
    /// <summary>Metrics drawn as small panels under the main chart; empty means the ones the runs share.</summary>
    public IReadOnlyList<string> Panels { get; init; } = [];

    /// <summary>
    /// How runs are grouped into one line each: <c>none</c> (absent), <c>settings</c> (everything but the seed),
    /// <c>config:&lt;key&gt;</c>, <c>tag:&lt;category&gt;</c> or <c>tagged:&lt;tag&gt;</c>.
    /// </summary>
    public string? Group { get; init; }
    /// <summary>The band around a group's mean: min–max (absent) or ±1 standard deviation (<c>std</c>).</summary>
    public bool StdBand { get; init; }
    /// <summary>The final metric the parallel-coordinates panel ends with and colours by; null picks val loss, else train loss.</summary>
    public string? Final { get; init; }

    public const string StdBandValue = "std";

    public double Smoothing => Math.Clamp(Smooth ?? DefaultSmoothing, 0, 0.99);

    public IEnumerable<(string Name, string? Value)> Query() =>
    [
        (Names.Runs, Runs.Count == 0 ? null : string.Join(',', Runs)), (Names.Metric, Metric),
        (Names.Smooth, Smooth is null ? null : DashboardUrls.Number(Smoothing, "0.00")), (Names.Log, Log ? "true" : null), (Names.LogX, LogX ? "true" : null),
        (Names.X, X == StepAxis ? null : X), (Names.Robust, Robust ? null : "false"),
        (Names.From, X == StepAxis ? DashboardUrls.Number(From) : null), (Names.To, X == StepAxis ? DashboardUrls.Number(To) : null),
        (Names.All, All ? "true" : null), (Names.Panels, Panels.Count == 0 ? null : string.Join(',', Panels)),
        (Names.Group, Group is null or "" or "none" ? null : Group), (Names.Band, StdBand ? StdBandValue : null), (Names.Final, Final),
    ];

    /// <summary>What the preview image depends on: the chart (its runs or groups and their band), not the tables and panels below it.</summary>
    public IEnumerable<(string Name, string? Value)> PreviewQuery() =>
        Query().Where(p => p.Name is not (Names.Robust or Names.All or Names.Panels or Names.Final));
}
