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
    private bool _rendered;

    [Parameter, EditorRequired] public string Id { get; set; } = "";
    [Parameter] public string? YTitle { get; set; }
    [Parameter] public string XTitle { get; set; } = "step";
    [Parameter] public bool LogY { get; set; }
    [Parameter] public IReadOnlyList<ChartTrace> Traces { get; set; } = [];
    [CascadingParameter(Name = "DarkMode")] public bool Dark { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _layout = BuildLayout();
        _data = Traces.Select(ToScatter).ToList<ITrace>();
        if (_rendered && _chart is not null)
        {
            _chart.Layout = _layout;
            _chart.Data = _data;
            await _chart.React();
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender) _rendered = true;
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
            XAxis = [new XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = XTitle }, GridColor = grid, ZeroLine = false }],
            YAxis =
            [
                new YAxis
                {
                    Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = YTitle },
                    GridColor = grid,
                    ZeroLine = false,
                    Type = LogY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
                    ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.Power,
                },
            ],
        };
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
