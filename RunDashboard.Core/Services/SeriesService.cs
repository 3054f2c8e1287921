using System.Collections.Concurrent;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Series for charts: only the requested step range, reduced to about the chart's pixel width. Reduced series are
/// kept for a while, keyed by the run's version, so the interactive render after the prerender, a second viewer or a
/// toggle does not read a million points again.
/// </summary>
public sealed class SeriesService(RunStore store)
{
    /// <summary>Buckets per chart: about the plot width of a wide screen; more cannot be seen.</summary>
    public const int ChartPoints = 1200;

    private const int CacheEntries = 512;
    private readonly ConcurrentDictionary<CacheKey, DownsampledSeries> _cache = new();
    private readonly ConcurrentQueue<CacheKey> _order = new();

    private readonly record struct CacheKey(string RunId, string Key, long Version, long? From, long? To, int Points);

    /// <summary>The series reduced to <paramref name="points"/> buckets between two steps, or null when the run did not log it.</summary>
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

    /// <summary>Every point of a series (an x axis such as tokens is interpolated from all of them).</summary>
    public MetricSeries? LoadFull(Run run, string key) => run.FindMetric(key) is null ? null : store.GetSeries(run.Id, key);
}
