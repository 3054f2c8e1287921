using System.Globalization;
using Microsoft.AspNetCore.Components;
using RunDashboard.Core.Analysis;

namespace RunDashboard.Components.Charts;

/// <summary>
/// Parallel coordinates: one vertical axis per setting that differs between the runs, the final metric last, and one
/// line per run through its values, coloured by that final metric (low end blue, high end orange).
/// </summary>
public partial class ParallelCoordinates
{
    private const double Margin = 70;
    private const double Top = 50;
    private const double Bottom = 290;
    private const int Height = 320;

    /// <summary>
    /// Room between axes: wide for a few settings, narrower for many, so a dozen axes still fit a laptop screen
    /// (about 1,200 px of chart) before the chart scrolls in its own region.
    /// </summary>
    private double AxisGap => View.Axes.Count <= 1 ? 170 : Math.Clamp(1100.0 / (View.Axes.Count - 1), 110, 170);

    /// <summary>Characters of an axis title that fit between two axes at 13 px (about 7.5 px a character).</summary>
    private int LabelLength => (int)(AxisGap / 7.5);

    [Parameter, EditorRequired] public string Id { get; set; } = "";
    [Parameter, EditorRequired] public ParallelView View { get; set; } = new([], [], "", []);
    /// <summary>Run names by id, for the hover text of each line.</summary>
    [Parameter] public IReadOnlyDictionary<string, string> Names { get; set; } = new Dictionary<string, string>();
    [CascadingParameter(Name = "DarkMode")] public bool Dark { get; set; }

    private int Width => (int)(2 * Margin + AxisGap * Math.Max(1, View.Axes.Count - 1));
    private string TextColor => Dark ? "#e0e0e0" : "#303030";
    /// <summary>The paper the chart sits on in each theme (MudBlazor's surface colours).</summary>
    private string Background => Dark ? "#373740" : "#ffffff";
    private string AxisColor => Dark ? "#9e9e9e" : "#616161";

    private string AriaLabel =>
        $"Parallel coordinates of {View.RunIds.Count} runs: {string.Join(", ", View.Axes.Select(a => a.Label))}. Hover a line for its run's values.";

    private double AxisX(int axis) => View.Axes.Count == 1 ? Width / 2.0 : Margin + AxisGap * axis;

    private static (double Min, double Max) Range(ParallelAxis axis)
    {
        if (axis.Categories is { } c) return (0, Math.Max(1, c.Count - 1));
        var finite = axis.Values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? (0, 1) : (finite.Min(), finite.Max());
    }

    /// <summary>Top of the axis is its largest value; a single value sits in the middle.</summary>
    private static double Y(ParallelAxis axis, double value)
    {
        var (min, max) = Range(axis);
        if (max <= min) return (Top + Bottom) / 2;
        return Bottom - (value - min) / (max - min) * (Bottom - Top);
    }

    private IEnumerable<(double Value, string Label)> Ticks(ParallelAxis axis)
    {
        if (axis.Categories is { } categories)
        {
            return categories.Select((c, i) => ((double)i, Short(c)));
        }
        var (min, max) = Range(axis);
        return max <= min ? [(min, NumberFormat.Value(min, 4))] : [(min, NumberFormat.Value(min, 4)), (max, NumberFormat.Value(max, 4))];
    }

    private string Points(int run) =>
        string.Join(' ', View.Axes.Select((a, i) => $"{F(AxisX(i))},{F(Y(a, a.Values[run]))}"));

    private string LineColor(int run)
    {
        var final = View.Axes[^1];
        var (min, max) = Range(final);
        var t = max <= min ? 0 : (final.Values[run] - min) / (max - min);
        var low = ChartColors.ForTheme(ChartColors.Runs[0], Dark)!;
        var high = ChartColors.ForTheme(ChartColors.Runs[1], Dark)!;
        return Mix(low, high, t);
    }

    private string LineTitle(int run)
    {
        var id = View.RunIds[run];
        var name = Names.TryGetValue(id, out var n) ? n : id;
        return name + ": " + string.Join(", ", View.Axes.Select(a => $"{a.Label} = {(a.Categories is { } c ? c[(int)a.Values[run]] : NumberFormat.Value(a.Values[run], 6))}"));
    }

    private string Short(string text) => text.Length <= LabelLength ? text : text[..(LabelLength - 1)] + "…";

    private static string F(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Mix(string a, string b, double t)
    {
        int Channel(string c, int i) => Convert.ToInt32(c.Substring(1 + 2 * i, 2), 16);
        var mixed = Enumerable.Range(0, 3).Select(i => (int)Math.Round(Channel(a, i) + (Channel(b, i) - Channel(a, i)) * Math.Clamp(t, 0, 1)));
        return "#" + string.Concat(mixed.Select(v => v.ToString("x2", CultureInfo.InvariantCulture)));
    }
}
