using RunDashboard.Core.Analysis;

namespace RunDashboard.Components.Charts;

/// <summary>Turns series from Core's <see cref="RunDashboard.Core.Services.SeriesService"/> into chart traces.</summary>
public static class ChartSeries
{
    public static ChartTrace ToTrace(DownsampledSeries s, string name, string color, bool markers = false) =>
        new(name, Doubles(s.Steps), s.Values, markers, color)
        {
            BandMin = s.Reduced ? s.Min : null,
            BandMax = s.Reduced ? s.Max : null,
        };

    public static double[] Doubles(long[] steps)
    {
        var x = new double[steps.Length];
        for (var i = 0; i < steps.Length; i++) x[i] = steps[i];
        return x;
    }

    /// <summary>The value a line through <paramref name="s"/> has at <paramref name="step"/>, to pin an event marker on it.</summary>
    public static double ValueAt(DownsampledSeries s, long step)
    {
        if (s.Count == 0) return double.NaN;
        var i = Array.BinarySearch(s.Steps, step);
        if (i < 0) i = Math.Clamp(~i - 1, 0, s.Count - 1);
        for (var j = i; j >= 0; j--) if (double.IsFinite(s.Values[j])) return s.Values[j];
        for (var j = i; j < s.Count; j++) if (double.IsFinite(s.Values[j])) return s.Values[j];
        return double.NaN;
    }
}
