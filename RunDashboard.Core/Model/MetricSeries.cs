namespace RunDashboard.Core.Model;

/// <summary>The points of one metric of one run, ordered by step. <see cref="Times"/> holds Unix seconds or NaN where unknown.</summary>
public sealed class MetricSeries(string key, long[] steps, double[] values, double[]? times = null)
{
    public string Key { get; } = key;
    public long[] Steps { get; } = steps;
    public double[] Values { get; } = values;
    public double[]? Times { get; } = times;
    public int Count => Steps.Length;
}
