using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis.Forecasts;

/// <summary>Seconds per optimizer step, from what the run recorded, and the time left to a later step.</summary>
public static class Eta
{
    private static readonly string[] RuntimeKeys = ["train_runtime", "_runtime", "runtime", "elapsed_time"];

    /// <summary>
    /// Seconds per step and where the figure comes from: the wall-clock times of the points, else the runtime in the
    /// summary over the steps run, else the last logged iterations per second. Null when the run records none.
    /// </summary>
    public static (double SecondsPerStep, string Source)? SecondsPerStep(Run run, MetricSeries series, MetricSeries? iterationsPerSecond)
    {
        if (series.Times is { } times)
        {
            int first = -1, last = -1;
            for (var i = 0; i < times.Length; i++)
            {
                if (!double.IsFinite(times[i])) continue;
                if (first < 0) first = i;
                last = i;
            }
            if (first >= 0 && last > first && series.Steps[last] > series.Steps[first] && times[last] > times[first])
            {
                return ((times[last] - times[first]) / (series.Steps[last] - series.Steps[first]), "timestamps of the points");
            }
        }
        var steps = run.Steps;
        foreach (var key in RuntimeKeys)
        {
            if (run.Summary.Find(s => s.Key == key) is { } runtime && runtime.Value > 0 && steps > 0) return (runtime.Value / steps, $"summary {key} over {steps} steps");
        }
        if (iterationsPerSecond is not null)
        {
            for (var i = iterationsPerSecond.Count - 1; i >= 0; i--)
            {
                var v = iterationsPerSecond.Values[i];
                if (double.IsFinite(v) && v > 0) return (1 / v, "last logged iterations per second");
            }
        }
        return null;
    }

    /// <summary>"2 h 05 min", "14 min", "40 s".</summary>
    public static string Describe(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Max(0, Math.Round(seconds)));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min" : $"{t.Seconds} s";
    }
}
