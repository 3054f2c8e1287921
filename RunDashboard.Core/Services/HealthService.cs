using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>Reads what the health rules need for a run and keeps their findings until the run changes.</summary>
public sealed class HealthService(RunStore store, HealthOptions options, TimeProvider time)
{
    /// <summary>Longer series are reduced first: trends and spikes read the same at 20,000 buckets.</summary>
    private const int MaxPoints = 20_000;

    /// <summary>Runs whose findings are kept (a runs list of 10,000 shows each run's health).</summary>
    private const int CacheEntries = 50_000;

    /// <summary>Findings are a few short messages a run: an estimate of 1 KB each bounds the cache at 64 MB.</summary>
    private const long CacheBytes = 64L * 1024 * 1024;

    /// <summary>Findings by run, with the run version they were computed for; a run that changes or goes is forgotten.</summary>
    private readonly RunCache<string, (long Version, IReadOnlyList<Finding> Findings)> _cache =
        new(store, CacheEntries, CacheBytes, runId => runId, cached => 1024L * Math.Max(1, cached.Findings.Count));

    /// <summary>Runs whose findings are kept.</summary>
    internal int CachedRuns => _cache.Count;

    public HealthOptions Options => options;

    public IReadOnlyList<Finding> Findings(string runId) => store.GetRun(runId) is { } run ? Findings(run) : [];

    public IReadOnlyList<Finding> Findings(Run run)
    {
        var version = run.UpdatedAt.Ticks ^ run.DataVersion;
        if (_cache.TryGet(run.Id, out var cached) && cached.Version == version) return cached.Findings;
        var findings = HealthChecks.Run(Read(run), options);
        _cache.Add(run.Id, (version, findings));
        return findings;
    }

    /// <summary>What the rules see for a run: the series they need, each reduced to at most 20,000 buckets.</summary>
    public RunData Read(Run run)
    {
        var series = new Dictionary<string, MetricSeries>(StringComparer.Ordinal);
        foreach (var metric in run.Metrics.Where(m => Needed(m)))
        {
            // A long series is reduced while its chunks stream past, so its points are never all in memory at once;
            // a count that no longer matches the chunks (a concurrent commit) falls back to the whole read.
            if (metric.Count > MaxPoints && Downsampler.Reduce(metric.Key, store.StreamChunks(run.Id, metric.Key), metric.Count, MaxPoints) is { } streamed)
            {
                series[metric.Key] = new MetricSeries(metric.Key, streamed.Steps, streamed.Values, streamed.Times);
                continue;
            }
            if (store.GetSeries(run.Id, metric.Key) is not { } s) continue;
            series[metric.Key] = s.Count <= MaxPoints ? s : Reduce(s);
        }
        return new RunData(run, series, time.GetUtcNow().UtcDateTime);
    }

    private static bool Needed(MetricInfo m) =>
        m.NonFinite > 0
        || m.Key is MetricKeys.TrainLoss or MetricKeys.EvalLoss or MetricKeys.LearningRate or MetricKeys.Epoch
        || m.Key.StartsWith("logps/", StringComparison.Ordinal)
        || m.Key.StartsWith("rewards/", StringComparison.Ordinal)
        || m.Key.StartsWith(MetricKeys.TrainLoss + "/", StringComparison.Ordinal)
        || m.Key.StartsWith(MetricKeys.EvalLoss + "/", StringComparison.Ordinal);

    private static MetricSeries Reduce(MetricSeries s)
    {
        var d = Downsampler.Reduce(s, MaxPoints);
        return new MetricSeries(s.Key, d.Steps, d.Values, d.Times);
    }
}
