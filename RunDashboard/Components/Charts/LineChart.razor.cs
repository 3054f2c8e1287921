using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Plotly.Blazor;
using Plotly.Blazor.Interop;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;
using RunDashboard.Core.Analysis;

namespace RunDashboard.Components.Charts;

/// <summary>
/// A Plotly chart of traces against step (or tokens, or time), themed for light or dark pages. Zooming reports
/// the new x range so the page can fetch that range again at full fidelity.
/// </summary>
public partial class LineChart : IDisposable
{
    private readonly CancellationTokenSource _gone = new();
    private PlotlyChart? _chart;
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private Plotly.Blazor.Layout _layout = new();
    private IList<ITrace> _data = [];
    private bool _changed;
    private bool _subscribed;

    [Parameter, EditorRequired] public string Id { get; set; } = "";
    [Parameter] public string? YTitle { get; set; }
    [Parameter] public string? Y2Title { get; set; }
    [Parameter] public string XTitle { get; set; } = "step";
    [Parameter] public bool XIsDate { get; set; }
    [Parameter] public bool LogY { get; set; }
    [Parameter] public bool LogX { get; set; }
    [Parameter] public bool Stacked { get; set; }
    /// <summary>Scale y to the 1st–99th percentile instead of the extremes (a first loss of 90 hides the rest).</summary>
    [Parameter] public bool RobustY { get; set; }
    [Parameter] public double? XFrom { get; set; }
    [Parameter] public double? XTo { get; set; }
    [Parameter] public int Height { get; set; } = 340;
    /// <summary>An x value drawn as a dashed vertical line (the step a finding points at).</summary>
    [Parameter] public double? MarkX { get; set; }
    [Parameter] public IReadOnlyList<ChartTrace> Traces { get; set; } = [];
    /// <summary>Called with the zoomed x range, or (null, null) when the user resets the zoom.</summary>
    [Parameter] public EventCallback<(double? From, double? To)> XRangeChanged { get; set; }
    [CascadingParameter(Name = "DarkMode")] public bool Dark { get; set; }

    /// <summary>
    /// Draw this chart this long after the page is live. Plotly draws every queued chart in one go before the
    /// browser paints; letting the first chart go alone shows it sooner.
    /// </summary>
    [Parameter] public int DeferMs { get; set; }

    /// <summary>
    /// Put the figure into the prerendered page, for wwwroot/js/rundashboard.js to draw as soon as Plotly has loaded:
    /// the live connection that would otherwise draw it comes up a second or more later.
    /// </summary>
    [Parameter] public bool DrawBeforeLive { get; set; }

    private bool _drawn;

    /// <summary>Only in the prerendered HTML: the live page draws through Plotly.Blazor and needs no copy.</summary>
    private string? InitialFigure => DrawBeforeLive && !RendererInfo.IsInteractive ? PlotlyFigure.Json(_data, _layout, _config) : null;

    /// <summary>
    /// <c>&lt;script type="application/json" data-figure-for="id"&gt;</c> with the figure: data, never code (the
    /// page's CSP runs no inline script anyway). Razor does not allow a script tag in a component's markup.
    /// </summary>
    private RenderFragment JsonScript(string json) => builder =>
    {
        builder.OpenElement(0, "script");
        builder.AddAttribute(1, "type", "application/json");
        builder.AddAttribute(2, "data-figure-for", Id);
        // Written as it is: PlotlyFigure's JSON escapes every character that could end the element, and HTML
        // entities would not be decoded inside a script element.
        builder.AddMarkupContent(3, json);
        builder.CloseElement();
    };

    protected override void OnInitialized() => _drawn = DeferMs <= 0;

    protected override void OnParametersSet()
    {
        _layout = BuildLayout();
        _data = Traces.SelectMany(ToPlotly).ToList();
        _changed = true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && !_drawn)
        {
            try
            {
                await Task.Delay(DeferMs, _gone.Token);
            }
            catch (OperationCanceledException)
            {
                return; // the page was left before this chart's turn
            }
            _drawn = true;
            // PlotlyChart draws itself on its first render; a React on top would draw it twice.
            _changed = false;
            StateHasChanged();
            return;
        }
        // The first render draws through PlotlyChart itself; later parameter changes redraw in place.
        if (!firstRender && _changed && _chart is not null) await _chart.React();
        _changed = false;
    }

    private async void SubscribeAsync()
    {
        if (_subscribed || _chart is null || !XRangeChanged.HasDelegate) return;
        _subscribed = true;
        try { await _chart.SubscribeRelayoutEvent(); }
        catch (JSDisconnectedException) { }
        catch (TaskCanceledException) { }
    }

    private void OnRelayout(RelayoutEventData e)
    {
        double? from = null, to = null;
        if (e.XRange is { Length: 2 } range)
        {
            from = ToDouble(range[0]);
            to = ToDouble(range[1]);
            if (from is null || to is null) return;
        }
        else if (e.RawData is null || !e.RawData.ContainsKey("xaxis.autorange"))
        {
            return; // a y-only zoom, a legend click, a resize: the x range did not change
        }
        _ = InvokeAsync(() => XRangeChanged.InvokeAsync((from, to)));
    }

    private double? ToDouble(object? o)
    {
        switch (o)
        {
            case null: return null;
            case double d: return d;
            case JsonElement { ValueKind: JsonValueKind.Number } n: return n.GetDouble();
            case JsonElement { ValueKind: JsonValueKind.String } s: return Parse(s.GetString());
            default: return Parse(o.ToString());
        }

        double? Parse(string? text)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
            if (XIsDate && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            {
                return new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeMilliseconds() / 1000.0;
            }
            return null;
        }
    }

    private Plotly.Blazor.Layout BuildLayout()
    {
        var text = Dark ? "#e0e0e0" : "#303030";
        var grid = Dark ? "#3a3a4a" : "#e6e6e6";
        var (tickValues, tickLabels) = LogY ? LogRange() : ([], []);
        var (xTicks, xLabels) = LogX && !XIsDate ? LogTicksOf(Traces.SelectMany(t => t.X)) : ([], []);
        var yaxes = new List<YAxis>
        {
            new()
            {
                Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = PlotlyText.Escape(YTitle), Standoff = 12 },
                TickMode = tickValues.Count > 0 ? Plotly.Blazor.LayoutLib.YAxisLib.TickModeEnum.Array : null,
                TickVals = tickValues.Count > 0 ? tickValues.Cast<object>().ToList() : null,
                TickText = tickValues.Count > 0 ? tickLabels.Cast<object>().ToList() : null,
                GridColor = grid,
                ZeroLine = false,
                AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
                Type = LogY ? Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log : Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Linear,
                ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.Power,
                Range = YRange(),
            },
        };
        if (Traces.Any(t => t.SecondAxis))
        {
            yaxes.Add(new YAxis
            {
                Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = PlotlyText.Escape(Y2Title) },
                Overlaying = "y",
                Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
                ShowGrid = false,
                ZeroLine = false,
                AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
            });
        }
        return new Plotly.Blazor.Layout
        {
            AutoSize = true,
            Height = Height,
            Margin = new Margin { L = 60, R = 20, T = 20, B = 50 },
            PaperBgColor = "rgba(0,0,0,0)",
            PlotBgColor = "rgba(0,0,0,0)",
            Font = new Plotly.Blazor.LayoutLib.Font { Color = text },
            HoverMode = HoverModeEnum.XUnified,
            BarMode = Stacked ? BarModeEnum.Relative : null,
            Legend = [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = 1.14m }],
            XAxis =
            [
                new XAxis
                {
                    TickMode = xTicks.Count > 0 ? Plotly.Blazor.LayoutLib.XAxisLib.TickModeEnum.Array : null,
                    TickVals = xTicks.Count > 0 ? xTicks.Cast<object>().ToList() : null,
                    TickText = xTicks.Count > 0 ? xLabels.Cast<object>().ToList() : null,
                    Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = PlotlyText.Escape(XTitle) },
                    GridColor = grid,
                    ZeroLine = false,
                    Type = XIsDate ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date : LogX ? Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Log : null,
                    AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True,
                    Range = XFrom is { } f && XTo is { } t ? [XValue(f), XValue(t)] : null,
                },
            ],
            YAxis = yaxes,
            Shapes = MarkX is { } mark ?
            [
                new Shape
                {
                    Type = Plotly.Blazor.LayoutLib.ShapeLib.TypeEnum.Line,
                    XRef = "x", YRef = "paper", X0 = XValue(mark), X1 = XValue(mark), Y0 = 0, Y1 = 1,
                    Line = new Plotly.Blazor.LayoutLib.ShapeLib.Line { Color = Dark ? "#ffb74d" : "#b71c1c", Width = 2, Dash = "dash" },
                },
            ] : null,
        };
    }

    private object XValue(double x) => XIsDate ? DateTimeOffset.FromUnixTimeMilliseconds((long)(x * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) : x;

    /// <summary>Whole-value ticks for a log y axis from the positive values on it.</summary>
    private (IReadOnlyList<double>, IReadOnlyList<string>) LogRange() =>
        LogTicksOf(Traces.Where(t => !t.SecondAxis).SelectMany(t => t.Y));

    private static (IReadOnlyList<double>, IReadOnlyList<string>) LogTicksOf(IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        return positive.Count == 0 ? ([], []) : LogTicks.For(positive.Min(), positive.Max());
    }

    private IList<object>? YRange()
    {
        if (LogY || Stacked) return null;
        var main = Traces.Where(t => !t.SecondAxis && !t.MarkersOnly).ToList();
        var finite = main.SelectMany(t => t.Y).Where(double.IsFinite).ToList();
        if (finite.Count == 0) return null;
        var min = finite.Min();
        var max = finite.Max();
        var scale = Math.Max(Math.Abs(min), Math.Abs(max));
        // Plotly pads a constant series by ±1, which draws a constant learning rate of 1e-05 as a line at zero
        // (a log that printed lr=0.00e+00 read as a dead optimizer). A flat series gets a range around its own magnitude instead.
        if (scale != 0 && max - min <= scale * 1e-9) return [min - scale * 0.5, max + scale * 0.5];
        if (RobustY && RobustRange.Of(finite) is { } r && (r.Max - r.Min) < (max - min) * 0.8) return [r.Min, r.Max];
        return null;
    }

    private IEnumerable<ITrace> ToPlotly(ChartTrace t)
    {
        t = t with { Color = ChartColors.ForTheme(t.Color, Dark) };
        var x = t.X.Select(v => XIsDate ? XValue(v) : (object)v).ToList();
        if (t.Bar)
        {
            yield return new Bar
            {
                Name = PlotlyText.Escape(t.Name), X = x, Y = Nullable(t.Y),
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = t.Color },
                HoverTemplate = "%{y:.6~g}",
            };
            yield break;
        }
        if (t.BandMin is not null && t.BandMax is not null)
        {
            // Min then max with fill between: the envelope of the points each bucket stands for.
            yield return new Scatter
            {
                X = x, Y = Nullable(t.BandMin), Mode = ModeFlag.Lines, ShowLegend = false, HoverInfo = HoverInfoFlag.Skip,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Width = 0, Color = t.Color }, LegendGroup = t.LegendGroup ?? t.Name,
                YAxis = t.SecondAxis ? "y2" : null,
            };
            yield return new Scatter
            {
                X = x, Y = Nullable(t.BandMax), Mode = ModeFlag.Lines, ShowLegend = false, HoverInfo = HoverInfoFlag.Skip,
                Fill = FillEnum.ToNextY, FillColor = Translucent(t.Color, 0.18), LegendGroup = t.LegendGroup ?? t.Name,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Width = 0, Color = t.Color },
                YAxis = t.SecondAxis ? "y2" : null,
            };
        }
        yield return new Scatter
        {
            Name = PlotlyText.Escape(t.Name),
            X = x,
            Y = Nullable(t.Y),
            Mode = t.MarkersOnly ? ModeFlag.Markers : t.Markers ? ModeFlag.Lines | ModeFlag.Markers : ModeFlag.Lines,
            Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = t.Color, Width = (decimal)t.Width, Dash = t.Dash },
            Marker = t.Symbol is null && !t.Markers && !t.MarkersOnly ? null : new Plotly.Blazor.Traces.ScatterLib.Marker
            {
                Color = t.Color,
                Size = t.MarkersOnly ? 10 : 6,
                Symbol = t.Symbol switch
                {
                    "x" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.X,
                    "diamond" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Diamond,
                    "triangle" => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.TriangleUp,
                    _ => Plotly.Blazor.Traces.ScatterLib.MarkerLib.SymbolEnum.Circle,
                },
            },
            Opacity = (decimal)t.Opacity,
            ShowLegend = t.ShowLegend,
            LegendGroup = t.LegendGroup,
            YAxis = t.SecondAxis ? "y2" : null,
            HoverTextArray = t.HoverText?.Select(h => PlotlyText.Escape(h)).ToList(),
            // Full precision on hover: a log's "lr=0.00e+00" can hide a real 7.96e-06.
            HoverTemplate = t.HoverText is null ? "%{y:.10~g}" : "%{hovertext}",
        };
    }

    private static IList<object?> Nullable(IReadOnlyList<double> values)
    {
        // Plotly draws a gap at null; NaN and ±Inf cannot travel as JSON numbers anyway.
        var y = new List<object?>(values.Count);
        foreach (var v in values) y.Add(double.IsFinite(v) ? v : null);
        return y;
    }

    private static string Translucent(string? color, double alpha)
    {
        if (color is { Length: 7 } && color[0] == '#')
        {
            var r = Convert.ToInt32(color[1..3], 16);
            var g = Convert.ToInt32(color[3..5], 16);
            var b = Convert.ToInt32(color[5..7], 16);
            return FormattableString.Invariant($"rgba({r},{g},{b},{alpha})");
        }
        return FormattableString.Invariant($"rgba(128,128,128,{alpha})");
    }

    public void Dispose()
    {
        _gone.Cancel();
        _gone.Dispose();
    }
}
