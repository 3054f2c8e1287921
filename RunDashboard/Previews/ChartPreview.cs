using System.Collections.Concurrent;

namespace RunDashboard.Previews;

/// <summary>One line of a preview image; a group's mean carries its band (<paramref name="Lower"/> to <paramref name="Upper"/>).</summary>
public sealed record PreviewLine(string Name, double[] X, double[] Y, string Color, bool Faint = false, bool Markers = false, double[]? Lower = null, double[]? Upper = null);

/// <summary>What a preview shows: the chart of the page a link points to.</summary>
public sealed record PreviewChart(string Title, string Subtitle, string XLabel, string YLabel, IReadOnlyList<PreviewLine> Lines, bool LogY = false);

/// <summary>
/// Renders 1200×630 PNGs (the OpenGraph size) with ScottPlot on SkiaSharp: no browser, ~50 ms a chart, and kept
/// by state and data version so a burst of unfurl requests renders once.
/// </summary>
public sealed class ChartPreview
{
    public const int Width = 1200;
    public const int Height = 630;
    private const int CacheEntries = 256;
    private static readonly string FontName = LoadFont();
    private readonly ConcurrentDictionary<string, Lazy<byte[]>> _cache = new();
    private readonly ConcurrentQueue<string> _order = new();

    private static string LoadFont()
    {
        // Shipped with the app: a server without fonts (or without fontconfig) still draws its labels.
        var path = Path.Combine(AppContext.BaseDirectory, "Previews", "fonts", "DejaVuSans.ttf");
        if (!File.Exists(path)) return ScottPlot.Fonts.Default;
        ScottPlot.Fonts.AddFontFile("RunDashboard Sans", path);
        return "RunDashboard Sans";
    }

    public byte[] Png(string cacheKey, Func<PreviewChart> chart)
    {
        if (!_cache.TryGetValue(cacheKey, out var entry))
        {
            // Lazy: concurrent requests for the same card wait for one render instead of each rendering.
            var fresh = new Lazy<byte[]>(() => Render(chart()));
            entry = _cache.GetOrAdd(cacheKey, fresh);
            if (ReferenceEquals(entry, fresh))
            {
                _order.Enqueue(cacheKey);
                while (_order.Count > CacheEntries && _order.TryDequeue(out var old)) _cache.TryRemove(old, out _);
            }
        }
        return entry.Value;
    }

    public static byte[] Render(PreviewChart chart)
    {
        var plot = new ScottPlot.Plot();
        plot.Font.Set(FontName);
        plot.FigureBackground.Color = ScottPlot.Color.FromHex("#ffffff");
        plot.Title($"{chart.Title}");
        plot.Axes.Title.Label.FontSize = 26;
        plot.Axes.Title.Label.Bold = true;
        plot.XLabel(chart.XLabel);
        plot.YLabel(chart.YLabel);
        plot.Axes.Bottom.Label.FontSize = 18;
        plot.Axes.Left.Label.FontSize = 18;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 15;
        plot.Axes.Left.TickLabelStyle.FontSize = 15;
        if (chart.Subtitle.Length > 0)
        {
            var sub = plot.Add.Annotation(chart.Subtitle, ScottPlot.Alignment.LowerLeft);
            sub.LabelFontSize = 16;
            sub.LabelBackgroundColor = ScottPlot.Colors.White.WithAlpha(0.85);
            sub.LabelBorderColor = ScottPlot.Colors.Transparent;
            sub.LabelShadowColor = ScottPlot.Colors.Transparent;
        }
        foreach (var line in chart.Lines)
        {
            if (line.Lower is { } lower && line.Upper is { } upper)
            {
                var (bx, low) = Finite(line.X, lower, chart.LogY);
                var (ux, high) = Finite(line.X, upper, chart.LogY);
                if (bx.Length > 1 && bx.SequenceEqual(ux))
                {
                    var band = plot.Add.FillY(bx, low, high);
                    band.FillColor = ScottPlot.Color.FromHex(line.Color).WithAlpha(0.2);
                    band.LineWidth = 0;
                }
            }
            var (xs, ys) = Finite(line.X, line.Y, chart.LogY);
            if (xs.Length == 0) continue;
            var scatter = plot.Add.ScatterLine(xs, ys);
            scatter.Color = ScottPlot.Color.FromHex(line.Color).WithAlpha(line.Faint ? 0.3 : 1.0);
            scatter.LineWidth = line.Faint ? 1.5f : 3f;
            if (line.Markers)
            {
                scatter.MarkerShape = ScottPlot.MarkerShape.FilledCircle;
                scatter.MarkerSize = 8;
                scatter.MarkerColor = scatter.Color;
            }
            if (!line.Faint) scatter.LegendText = line.Name;
        }
        if (chart.LogY)
        {
            var ticks = new ScottPlot.TickGenerators.LogMinorTickGenerator();
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = ticks,
                LabelFormatter = y => RunDashboard.Components.NumberFormat.Value(Math.Pow(10, y), 3),
            };
        }
        if (chart.Lines.Any(l => !l.Faint))
        {
            plot.ShowLegend(ScottPlot.Alignment.UpperRight);
            plot.Legend.FontSize = 16;
        }
        plot.Axes.Margins(0.02, 0.08);
        return plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
    }

    private static (double[] X, double[] Y) Finite(double[] x, double[] y, bool log)
    {
        var xs = new List<double>(x.Length);
        var ys = new List<double>(y.Length);
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            if (!double.IsFinite(y[i]) || !double.IsFinite(x[i]) || (log && y[i] <= 0)) continue;
            xs.Add(x[i]);
            ys.Add(log ? Math.Log10(y[i]) : y[i]);
        }
        return (xs.ToArray(), ys.ToArray());
    }
}
