namespace RunDashboard.Components.Charts;

/// <summary>One line on a chart: plain data, so charts stay free of storage and Plotly types at the call site.</summary>
public sealed record ChartTrace(string Name, IReadOnlyList<long> X, IReadOnlyList<double> Y, bool Markers = false, string? Color = null);
