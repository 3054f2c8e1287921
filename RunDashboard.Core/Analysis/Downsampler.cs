using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>
/// A series reduced to at most a chart's worth of buckets. Each bucket keeps its last point (what a line through
/// the raw data would end on), its min and its max, so a spike inside a bucket still shows as the band's edge.
/// Non-finite points are listed apart by step: they would be lost in min/max and they are what people look for.
/// </summary>
public sealed record DownsampledSeries(
    string Key, long[] Steps, double[] Values, double[] Min, double[] Max, long Total, long[] NonFiniteSteps, bool Reduced, double[]? Times = null)
{
    public int Count => Steps.Length;
}

public static class Downsampler
{
    /// <summary>Most non-finite steps reported for one request; a run that is NaN throughout needs no more to be seen.</summary>
    public const int MaxNonFiniteSteps = 2000;

    /// <summary>
    /// Buckets of consecutive points, about <paramref name="points"/> of them. Buckets are made by point count,
    /// not by step width, so a burst of dense logging after a sparse stretch keeps its detail.
    /// </summary>
    public static DownsampledSeries Reduce(MetricSeries series, int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        var n = series.Count;
        var nonFinite = new List<long>();
        for (var i = 0; i < n && nonFinite.Count < MaxNonFiniteSteps; i++)
        {
            if (!double.IsFinite(series.Values[i])) nonFinite.Add(series.Steps[i]);
        }
        if (n <= points)
        {
            return new DownsampledSeries(series.Key, series.Steps, series.Values, series.Values, series.Values, n, [.. nonFinite], false, series.Times);
        }

        var size = (n + points - 1) / points;
        var buckets = (n + size - 1) / size;
        var steps = new long[buckets];
        var last = new double[buckets];
        var min = new double[buckets];
        var max = new double[buckets];
        var times = series.Times is null ? null : new double[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var start = b * size;
            var end = Math.Min(n, start + size);
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity, lastFinite = double.NaN;
            for (var i = start; i < end; i++)
            {
                var v = series.Values[i];
                if (!double.IsFinite(v)) continue;
                if (v < lo) lo = v;
                if (v > hi) hi = v;
                lastFinite = v;
            }
            steps[b] = series.Steps[end - 1];
            if (times is not null) times[b] = series.Times![end - 1];
            // A bucket ending on NaN still draws at its last finite value; the NaN is in NonFiniteSteps.
            last[b] = lastFinite;
            min[b] = double.IsFinite(lo) ? lo : double.NaN;
            max[b] = double.IsFinite(hi) ? hi : double.NaN;
        }
        return new DownsampledSeries(series.Key, steps, last, min, max, n, [.. nonFinite], true, times);
    }

    /// <summary>
    /// The same buckets as <see cref="Reduce(MetricSeries, int)"/> of the series the chunks make when concatenated
    /// (chunks without times count as NaN times beside chunks with them, as a whole read fills them), built while
    /// the chunks stream past: only the buckets are kept, never the points. Bucket edges depend on the point count,
    /// so it must be known before the first chunk: <paramref name="total"/>. Null when the chunks hold another number
    /// of points (the count was stale), or when <paramref name="total"/> fits in <paramref name="points"/> (nothing to reduce).
    /// </summary>
    public static DownsampledSeries? Reduce(string key, IEnumerable<SeriesChunk> chunks, long total, int points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (total <= points || total > int.MaxValue) return null;
        var n = (int)total;
        var size = (n + points - 1) / points;
        var buckets = (n + size - 1) / size;
        var steps = new long[buckets];
        var last = new double[buckets];
        var min = new double[buckets];
        var max = new double[buckets];
        double[]? times = null;
        var nonFinite = new List<long>();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity, lastFinite = double.NaN;
        var i = 0;
        foreach (var chunk in chunks)
        {
            if (chunk.Times is not null && times is null)
            {
                // Buckets already closed ended on points without a time; a whole read gives those NaN.
                times = new double[buckets];
                times.AsSpan().Fill(double.NaN);
            }
            for (var c = 0; c < chunk.Count; c++, i++)
            {
                if (i >= n) return null;
                var v = chunk.Values[c];
                if (double.IsFinite(v))
                {
                    if (v < lo) lo = v;
                    if (v > hi) hi = v;
                    lastFinite = v;
                }
                else if (nonFinite.Count < MaxNonFiniteSteps)
                {
                    nonFinite.Add(chunk.Steps[c]);
                }
                if ((i + 1) % size != 0 && i + 1 != n) continue;
                var b = i / size;
                steps[b] = chunk.Steps[c];
                if (times is not null) times[b] = chunk.Times?[c] ?? double.NaN;
                last[b] = lastFinite;
                min[b] = double.IsFinite(lo) ? lo : double.NaN;
                max[b] = double.IsFinite(hi) ? hi : double.NaN;
                (lo, hi, lastFinite) = (double.PositiveInfinity, double.NegativeInfinity, double.NaN);
            }
        }
        return i == n ? new DownsampledSeries(key, steps, last, min, max, n, [.. nonFinite], true, times) : null;
    }
}
