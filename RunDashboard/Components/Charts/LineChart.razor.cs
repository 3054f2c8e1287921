using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace RunDashboard.Components.Charts;

/// <summary>A Plotly line chart of steps against values, themed for light or dark pages.</summary>
public partial class LineChart
{
    private PlotlyChart? _chart;
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private Plotly.Blazor.Layout _layout = new();
    private IList<ITrace> _data = [];
    private bool _changed;

    [Parameter, EditorRequired] public string Id { get; set; } = "";
    [Parameter] public string? YTitle { get; set; }
    [Parameter] public string XTitle { get; set; } = "step";
    [Parameter] public bool LogY { get; set; }
    [Parameter] public IReadOnlyList<ChartTrace> Traces { get; set; } = [];
    [CascadingParameter(Name = "DarkMode")] public bool Dark { get; set; }

    protected override void OnParametersSet()
    {
        _layout = BuildLayout();
        _data = Traces.Select(ToScatter).ToList<ITrace>();
        _changed = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The first render draws through PlotlyChart itself; later parameter changes redraw in place.
        if (!firstRender && _changed && _chart is not null) await _chart.React();
        _changed = false;
    }

    private Plotly.Blazor.Layout BuildLayout()
    {
        var text = Dark ? "#e0e0e0" : "#303030";
        var grid = Dark ? "#3a3a4a" : "#e6e6e6";
        return new Plotly.Blazor.Layout
        {
            AutoSize = true,
            Height = 340,
            Margin = new Margin { L = 60, R = 20, T = 20, B = 50 },
            PaperBgColor = "rgba(0,0,0,0)",
            PlotBgColor = "rgba(0,0,0,0)",
            Font = new Plotly.Blazor.LayoutLib.Font { Color = text },
            HoverMode = HoverModeEnum.XUnified,
            Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = 1.12m }],
            XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = XTitle }, GridColor = grid, ZeroLine = false, AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True }],
            YAxis =
            [
                new YAxis
                {
                    Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = YTitle },
                    GridColor = grid,
                    ZeroLine = false,
                    AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
                    Type = LogY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
                    ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.Power,
                    Range = FlatRange(),
                },
            ],
        };
    }

    /// <summary>
    /// Plotly pads a constant series by ±1, which draws a constant learning rate of 1e-05 as a line at zero
    /// (the very confusion of seed 003). A flat series gets a range around its own magnitude instead.
    /// </summary>
    private IList<object>? FlatRange()
    {
        var finite = Traces.SelectMany(t => t.Y).Where(double.IsFinite).ToList();
        if (finite.Count == 0 || LogY) return null;
        var min = finite.Min();
        var max = finite.Max();
        var scale = Math.Max(Math.Abs(min), Math.Abs(max));
        if (scale == 0 || max - min > scale * 1e-9) return null;
        return [min - scale * 0.5, max + scale * 0.5];
    }

    private static Scatter ToScatter(ChartTrace t)
    {
        // Plotly draws a gap at null; NaN and ±Inf cannot travel as JSON numbers anyway.
        var y = new List<object?>(t.Y.Count);
        foreach (var v in t.Y) y.Add(double.IsFinite(v) ? v : null);
        return new Scatter
        {
            Name = t.Name,
            X = t.X.Select(x => (object)x).ToList(),
            Y = y!,
            Mode = t.Markers ? ModeFlag.Lines | ModeFlag.Markers : ModeFlag.Lines,
            Line = t.Color is null ? null : new Plotly.Blazor.Traces.ScatterLib.Line { Color = t.Color },
            HoverTemplate = "%{y:.6g}",
        };
    }
}
