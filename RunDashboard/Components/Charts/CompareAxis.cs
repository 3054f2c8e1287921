using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Charts;

/// <summary>The x axes of a compare chart, shared by the page and its preview image so both show the same chart.</summary>
public static class CompareAxis
{
    public const string Step = "step";
    public const string Tokens = "tokens";
    public const string RelativeTime = "reltime";
    public const string WallTime = "walltime";

    /// <summary>Any metric that only grows (epoch, samples, consumed tokens) as the x axis: <c>metric:train/epoch</c>.</summary>
    public const string MetricPrefix = "metric:";

    public static string Normalize(string? axis) =>
        axis is Tokens or RelativeTime or WallTime ? axis
        : axis is { Length: > 7 } && axis.StartsWith(MetricPrefix, StringComparison.Ordinal) ? axis
        : Step;

    /// <summary>Metrics of a run that can serve as an x axis: they end at their largest value, above their smallest.</summary>
    public static IEnumerable<string> MonotoneCandidates(Run run) =>
        run.Metrics.Where(m => m.Key != MetricKeys.Tokens && m.Count > 1 && m.Max > m.Min && m.LastValue == m.Max
                               && !m.Key.Contains("loss", StringComparison.Ordinal) && !m.Key.Contains("learning_rate", StringComparison.Ordinal))
            .Select(m => m.Key);

    public static string Title(string axis) => axis switch
    {
        _ when axis.StartsWith(MetricPrefix, StringComparison.Ordinal) => axis[MetricPrefix.Length..],
        Tokens => "trained tokens",
        RelativeTime => "hours since start",
        WallTime => "time (UTC)",
        _ => "step",
    };

    /// <summary>x values of a series on the axis, or null with the reason the run cannot be drawn on it.</summary>
    public static IReadOnlyList<double>? Values(SeriesService loader, Run run, DownsampledSeries series, string axis, out string? missing)
    {
        missing = null;
        switch (axis)
        {
            case Tokens:
            {
                var tokens = loader.LoadFull(run, MetricKeys.Tokens);
                if (tokens is null || tokens.Count == 0)
                {
                    missing = $"{run.Name} logged no token counts, so it is left off the tokens axis.";
                    return null;
                }
                return series.Steps.Select(s => Interpolate(tokens.Steps, tokens.Values, s)).ToList();
            }
            case var metric when metric.StartsWith(MetricPrefix, StringComparison.Ordinal):
            {
                var key = metric[MetricPrefix.Length..];
                var x = loader.LoadFull(run, key);
                if (x is null || x.Count == 0)
                {
                    missing = $"{run.Name} logged no {key}, so it is left off the {key} axis.";
                    return null;
                }
                if (!NonDecreasing(x.Values))
                {
                    missing = $"{run.Name}'s {key} goes down as well as up, so it cannot be an x axis.";
                    return null;
                }
                return series.Steps.Select(s => Interpolate(x.Steps, x.Values, s)).ToList();
            }
            case RelativeTime:
            case WallTime:
            {
                if (series.Times is null || !series.Times.Any(double.IsFinite))
                {
                    missing = $"{run.Name} has no timestamps, so it is left off the time axis.";
                    return null;
                }
                var start = series.Times.First(double.IsFinite);
                return axis == WallTime ? series.Times : series.Times.Select(t => (t - start) / 3600.0).ToList();
            }
            default:
                return ChartSeries.Doubles(series.Steps);
        }
    }

    private static bool NonDecreasing(double[] values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (double.IsFinite(values[i]) && double.IsFinite(values[i - 1]) && values[i] < values[i - 1]) return false;
        }
        return true;
    }

    private static double Interpolate(long[] steps, double[] values, long step)
    {
        var i = Array.BinarySearch(steps, step);
        if (i >= 0) return values[i];
        i = ~i;
        if (i == 0) return values[0] * step / Math.Max(1, steps[0]);
        if (i >= steps.Length) return values[^1];
        var f = (double)(step - steps[i - 1]) / (steps[i] - steps[i - 1]);
        return values[i - 1] + (values[i] - values[i - 1]) * f;
    }
}
