using RunDashboard.Core.Analysis.Forecasts;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Analysis;

/// <summary>What the series and forecast services keep: bounded, least recently used out, dropped when the run changes.</summary>
public sealed class AnalysisCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;

    public AnalysisCacheTests() => _store = new RunStore(_dir.File("runs.db"));

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private static readonly Hyperparameter[] Settings = [new("iters", "20000")];

    private Run LossRun(int n = 5_000, string? replaces = null, int dataVersion = 1, (long, double)[]? pace = null) => AnalysisRuns.Write(_store, new Dictionary<string, (long, double)[]>
    {
        [MetricKeys.TrainLoss] = AnalysisRuns.Loss(n, 1),
        [MetricKeys.EvalLoss] = Enumerable.Range(1, n / 10).Select(i => ((long)i * 10, 0.9 + 2.0 * Math.Pow(1 + i, -0.5))).ToArray(),
        [MetricKeys.IterationsPerSecond] = pace ?? Enumerable.Range(1, n).Select(i => ((long)i, 2.0 + i % 7 * 0.01)).ToArray(),
    }, Settings, replaces, dataVersion: dataVersion);

    [Fact]
    public void Series_cache_keeps_at_most_its_entries_and_drops_the_least_recently_used()
    {
        var run = LossRun();
        var series = new SeriesService(_store);
        var kept = series.Load(run, MetricKeys.TrainLoss, 1, 2_000, points: 50);
        var first = series.Load(run, MetricKeys.TrainLoss, 2, 2_000, points: 50);
        for (var i = 0; i < SeriesService.CacheEntries + 100; i++)
        {
            series.Load(run, MetricKeys.TrainLoss, 10 + i, 4_000, points: 50);
            // Asked again now and then: recently used, so it stays while older entries go.
            if (i % 50 == 0) Assert.Same(kept, series.Load(run, MetricKeys.TrainLoss, 1, 2_000, points: 50));
        }
        Assert.Equal(SeriesService.CacheEntries, series.CachedCount);
        Assert.Same(kept, series.Load(run, MetricKeys.TrainLoss, 1, 2_000, points: 50));
        var again = series.Load(run, MetricKeys.TrainLoss, 2, 2_000, points: 50);
        Assert.NotSame(first, again);
        Assert.Equal(first!.Values, again!.Values);
    }

    [Fact]
    public void Series_cache_stays_under_its_byte_bound()
    {
        var run = LossRun(60_000);
        var series = new SeriesService(_store);
        // Whole series of 60,000 points at full detail: about 1.9 MB each, so the byte bound binds before the count.
        for (var i = 0; i < 40; i++) series.Load(run, MetricKeys.TrainLoss, i, null, points: 60_000);
        Assert.InRange(series.CachedBytes, 1, SeriesService.CacheBytes);
        Assert.InRange(series.CachedCount, 1, 39);
    }

    [Fact]
    public void Series_cache_forgets_a_run_when_it_changes_and_keeps_the_others()
    {
        var changed = LossRun();
        var other = LossRun();
        var series = new SeriesService(_store);
        var before = series.Load(changed, MetricKeys.TrainLoss);
        series.Load(other, MetricKeys.TrainLoss);
        Assert.Equal(2, series.CachedCount);

        var after = LossRun(4_000, replaces: changed.Id, dataVersion: 2);
        Assert.Equal(1, series.CachedCount);
        Assert.Equal(4_000, series.Load(after, MetricKeys.TrainLoss)!.Total);
        Assert.Equal(5_000, before!.Total);

        _store.DeleteRun(other.Id);
        Assert.Equal(1, series.CachedCount);
        Assert.Equal(after.Id, changed.Id);
    }

    [Fact]
    public void Forecast_is_computed_once_per_run_version_and_again_after_the_run_changes()
    {
        var run = LossRun();
        var forecasts = new ForecastService(_store);
        var first = forecasts.Chart(run.Id, MetricKeys.EvalLoss);
        Assert.NotNull(first);
        Assert.Same(first.View, forecasts.Chart(run.Id, MetricKeys.EvalLoss)!.View);
        Assert.Same(first.View, forecasts.Forecast(run.Id, MetricKeys.EvalLoss).Forecast);
        Assert.Equal(1, forecasts.CachedCount);

        // The same answer as a service that never saw the run.
        var fresh = new ForecastService(_store).Chart(run.Id, MetricKeys.EvalLoss)!;
        Assert.Equal(fresh.View, first.View);
        Assert.Equal(fresh.ObservedX, first.ObservedX);
        Assert.Equal(fresh.Y, first.Y);
        Assert.Equal(fresh.High, first.High);

        LossRun(6_000, replaces: run.Id, dataVersion: 2);
        Assert.Equal(0, forecasts.CachedCount);
        var after = forecasts.Chart(run.Id, MetricKeys.EvalLoss)!;
        Assert.Equal(600 * 10, after.View.LastStep);
        Assert.Equal(500 * 10, first.View.LastStep);

        _store.DeleteRun(run.Id);
        Assert.Null(forecasts.Chart(run.Id, MetricKeys.EvalLoss));
        Assert.False(forecasts.Forecast(run.Id, MetricKeys.EvalLoss).RunFound);
    }

    [Fact]
    public void Forecast_pace_is_the_last_usable_iterations_per_second_wherever_it_is()
    {
        // The last two points are not usable (0 and NaN): the pace comes from the one before them.
        var pace = Enumerable.Range(1, 5_000).Select(i => ((long)i, i == 5_000 ? double.NaN : i == 4_999 ? 0 : i == 4_998 ? 4.0 : 2.0)).ToArray();
        var run = LossRun(pace: pace);
        var view = new ForecastService(_store).Forecast(run.Id, MetricKeys.EvalLoss).Forecast!;
        Assert.Equal("last logged iterations per second", view.EtaFrom);
        Assert.Equal((20_000 - run.Steps) / 4.0, view.Eta);

        var steady = LossRun();
        var steadyView = new ForecastService(_store).Forecast(steady.Id, MetricKeys.EvalLoss).Forecast!;
        Assert.Equal((20_000 - steady.Steps) / (2.0 + 5_000 % 7 * 0.01), steadyView.Eta);
    }

    [Fact]
    public void Run_cache_holds_no_more_bytes_than_its_bound_and_refuses_what_alone_exceeds_it()
    {
        var cache = new RunCache<(string Run, int N), byte[]>(_store, 100, 1_000, k => k.Run, v => v.Length);
        for (var i = 0; i < 10; i++) cache.Add(("a", i), new byte[300]);
        Assert.Equal(3, cache.Count);
        Assert.Equal(900, cache.Bytes);
        Assert.False(cache.TryGet(("a", 6), out _));
        Assert.True(cache.TryGet(("a", 9), out _));
        cache.Add(("b", 0), new byte[1_001]);
        Assert.False(cache.TryGet(("b", 0), out _));
        cache.ForgetRuns(["a"]);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
    }

    [Fact]
    public void Health_findings_of_a_deleted_run_are_not_kept()
    {
        var health = new Core.Services.HealthService(_store, new Core.Analysis.Health.HealthOptions(), TimeProvider.System);
        var gone = LossRun();
        var kept = LossRun();
        var findings = health.Findings(gone);
        health.Findings(kept);
        Assert.Equal(2, health.CachedRuns);
        Assert.Same(findings, health.Findings(gone));

        Assert.True(_store.DeleteRun(gone.Id));

        Assert.Equal(1, health.CachedRuns);
        Assert.Empty(health.Findings(gone.Id));
        Assert.Equal(1, health.CachedRuns);
    }
}
