namespace RunDashboard.Components.Charts;

/// <summary>One trace on a chart: plain data, so pages stay free of Plotly types.</summary>
public sealed record ChartTrace(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Markers = false, string? Color = null)
{
    /// <summary>Min and max per bucket when the series was downsampled: drawn as a faint band so spikes stay visible.</summary>
    public IReadOnlyList<double>? BandMin { get; init; }
    public IReadOnlyList<double>? BandMax { get; init; }
    public double Opacity { get; init; } = 1;
    public double Width { get; init; } = 2;
    /// <summary>Plotly line dash ("dash", "dot"); null draws a solid line.</summary>
    public string? Dash { get; init; }
    public bool ShowLegend { get; init; } = true;
    public bool SecondAxis { get; init; }
    public bool MarkersOnly { get; init; }
    public string? Symbol { get; init; }
    public IReadOnlyList<string>? HoverText { get; init; }
    public bool Bar { get; init; }
    /// <summary>Groups a raw trace with its smoothed twin so the legend toggles both.</summary>
    public string? LegendGroup { get; init; }
}
