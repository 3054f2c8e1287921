using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Series for charts: only the requested step range, reduced to about the chart's pixel width. Reduced series are
/// kept while used (least recently used out, bounded by count and bytes), keyed by the run's version and dropped when
/// the run changes, so the interactive render after the prerender, a second viewer or a toggle does not read again.
/// </summary>
public sealed class SeriesService
{
    /// <summary>Buckets per chart: about the plot width of a wide screen; more cannot be seen.</summary>
    public const int ChartPoints = 1200;

    /// <summary>
    /// Every zoom is a new range, so entries come with use; 32 MB holds several hundred charts of 1,200 buckets
    /// (about 50 KB each) and a few of the largest answers the series endpoint gives.
    /// </summary>
    public const int CacheEntries = 512;
    public const long CacheBytes = 32L << 20;

    private readonly RunStore _store;
    private readonly RunCache<CacheKey, DownsampledSeries> _cache;

    private readonly record struct CacheKey(string RunId, string Key, long Version, long? From, long? To, int Points);

    public SeriesService(RunStore store)
    {
        _store = store;
        _cache = new RunCache<CacheKey, DownsampledSeries>(store, CacheEntries, CacheBytes, k => k.RunId, Bytes);
    }

    /// <summary>Reduced series kept: at most <see cref="CacheEntries"/> and about <see cref="CacheBytes"/>, none of a run changed since.</summary>
    public int CachedCount => _cache.Count;
    public long CachedBytes => _cache.Bytes;

    /// <summary>The series reduced to <paramref name="points"/> buckets between two steps, or null when the run did not log it.</summary>
    public DownsampledSeries? Load(Run run, string key, long? from = null, long? to = null, int points = ChartPoints)
    {
        if (run.FindMetric(key) is null) return null;
        // The version in the key keeps an entry computed from an older copy of the run from answering for a newer
        // one even before the change event arrives.
        var cacheKey = new CacheKey(run.Id, key, run.UpdatedAt.Ticks ^ run.DataVersion, from, to, points);
        if (_cache.TryGet(cacheKey, out var cached)) return cached;
        var reduced = _store.GetBuckets(run, key, points, from, to);
        if (reduced is null) return null;
        _cache.Add(cacheKey, reduced);
        return reduced;
    }

    /// <summary>Bytes of the arrays a reduced series holds (steps, last, min and max per bucket, times, non-finite steps) and the object headers.</summary>
    private static long Bytes(DownsampledSeries s) =>
        256 + 8L * s.Count * (s.Times is null ? 4 : 5) + 8L * s.NonFiniteSteps.Length;

    /// <summary>Every point of a series (an x axis such as tokens is interpolated from all of them).</summary>
    public MetricSeries? LoadFull(Run run, string key) => run.FindMetric(key) is null ? null : _store.GetSeries(run.Id, key);
}
