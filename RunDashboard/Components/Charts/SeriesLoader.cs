using System.Collections.Concurrent;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Components.Charts;

/// <summary>
/// Reads series for charts: only the requested step range, reduced to about the chart's pixel width. Reduced
/// series are kept for a while, keyed by the run's version, so the interactive render after the prerender, a
/// second viewer or a toggle does not read a million points again.
/// </summary>
public sealed class SeriesLoader(RunStore store)
{
    /// <summary>Buckets per chart: about the plot width of a wide screen; more cannot be seen.</summary>
    public const int ChartPoints = 1200;

    private const int CacheEntries = 512;
    private readonly ConcurrentDictionary<CacheKey, DownsampledSeries> _cache = new();
    private readonly ConcurrentQueue<CacheKey> _order = new();

    private readonly record struct CacheKey(string RunId, string Key, long Version, long? From, long? To, int Points);

    public DownsampledSeries? Load(Run run, string key, long? from = null, long? to = null, int points = ChartPoints)
    {
        if (run.FindMetric(key) is null) return null;
        var cacheKey = new CacheKey(run.Id, key, run.UpdatedAt.Ticks ^ run.DataVersion, from, to, points);
        if (_cache.TryGetValue(cacheKey, out var cached)) return cached;
        var reduced = store.GetBuckets(run, key, points, from, to);
        if (reduced is null) return null;
        if (_cache.TryAdd(cacheKey, reduced))
        {
            _order.Enqueue(cacheKey);
            while (_order.Count > CacheEntries && _order.TryDequeue(out var old)) _cache.TryRemove(old, out _);
        }
        return reduced;
    }

    public MetricSeries? LoadFull(Run run, string key) => run.FindMetric(key) is null ? null : store.GetSeries(run.Id, key);

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
