using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Forecasts;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>A loss curve's value at the run's configured end, and when the run gets there.</summary>
public sealed record ForecastView(
    string Key, long AtStep, double Predicted, double Low, double High, double? Eta, string? EtaText, string? EtaFrom,
    string Model, string Formula, string TotalFrom, long LastStep, double LastValue, int Points);

/// <summary>Either a forecast, or why there is none (the run or key is missing, the settings give no total, too few points).</summary>
public sealed record ForecastAnswer(ForecastView? Forecast, string? Problem, bool RunFound);

/// <summary>What the run page draws: the observed curve, then the forecast from its last point to the end, with its band.</summary>
public sealed record ForecastChart(ForecastView View, IReadOnlyList<double> ObservedX, IReadOnlyList<double> ObservedY,
    IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double> Low, IReadOnlyList<double> High);

/// <summary>One run's answer to "when did it reach the target": reached (step, tokens, seconds) or an estimate.</summary>
public sealed record TargetView(string Id, string Name, bool Reached, long? Step, double? Value, double? Tokens, double? Seconds, string? WallTime, long? EstimatedStep, string? Note)
{
    internal static TargetView From(Run run, TargetReach r) =>
        new(run.Id, run.Name, r.Reached, r.Step, r.Value, r.Tokens, r.Seconds, r.Seconds is { } s ? Eta.Describe(s) : null, r.EstimatedStep, r.Note);
}

/// <summary>
/// Reads a run's series and settings and asks <see cref="LossForecast"/> where the curve ends. The answer (the fit and
/// the observed curve reduced for drawing, never the points) is kept per run and key until the run changes: the run
/// page renders the panel on every refresh, and a fit reads the whole series.
/// </summary>
public sealed class ForecastService
{
    /// <summary>Fewer finite points than this leave three parameters and a held-out part nothing to stand on.</summary>
    public const int MinPoints = 6;

    /// <summary>Observed points drawn under the forecast: about a chart's width.</summary>
    private const int ObservedPoints = 1200;

    /// <summary>An answer is its fit (a hundred resampled models) and at most 1,200 observed points: tens of KB.</summary>
    private const int CacheEntries = 256;
    private const long CacheBytes = 16L << 20;

    private readonly RunStore _store;
    private readonly RunCache<(string RunId, string Key), Computed> _cache;

    private sealed record Computed(long Version, ForecastAnswer Answer, LossForecast? Forecast, long[]? ObservedSteps, double[]? ObservedValues);

    public ForecastService(RunStore store)
    {
        _store = store;
        _cache = new RunCache<(string RunId, string Key), Computed>(store, CacheEntries, CacheBytes, k => k.RunId,
            c => 4096 + 16L * (c.ObservedSteps?.Length ?? 0) + 64L * (c.Forecast?.Resampled.Count ?? 0));
    }

    /// <summary>Answers kept: at most 256, none of a run changed since.</summary>
    public int CachedCount => _cache.Count;

    /// <summary>For each run (unknown ids are left out): when <paramref name="key"/> first reached <paramref name="target"/>.</summary>
    public IReadOnlyList<TargetView> ToTarget(IEnumerable<string> runIds, string key, double target, bool lowerIsBetter)
    {
        var views = new List<TargetView>();
        foreach (var id in runIds)
        {
            if (_store.GetRun(id) is not { } run) continue;
            var series = run.FindMetric(key) is null ? null : _store.GetSeries(id, key);
            if (series is null)
            {
                views.Add(TargetView.From(run, new TargetReach(false, null, null, null, null, null, $"the run has no series '{key}'")));
                continue;
            }
            var tokens = run.FindMetric(MetricKeys.Tokens) is null ? null : _store.GetSeries(id, MetricKeys.Tokens);
            var its = LastPace(run);
            var epochs = run.FindMetric(MetricKeys.Epoch) is null ? null : _store.GetSeries(id, MetricKeys.Epoch);
            var horizon = RunSettings.TotalSteps(run, epochs)?.Steps ?? run.Steps * 10;
            var reach = TargetReach.Find(series.Steps, series.Values, series.Times, target, lowerIsBetter,
                tokens is null ? null : (tokens.Steps, tokens.Values), Eta.SecondsPerStep(run, series, its)?.SecondsPerStep, horizon);
            views.Add(TargetView.From(run, reach));
        }
        return views;
    }

    public ForecastAnswer Forecast(string runId, string key) => Cached(runId, key).Answer;

    /// <summary>The forecast with the points to draw it, or null (with no forecast there is nothing to draw).</summary>
    public ForecastChart? Chart(string runId, string key, int points = 40)
    {
        var computed = Cached(runId, key);
        if (computed.Answer.Forecast is not { } view || computed.Forecast is not { } forecast || computed.ObservedSteps is null || computed.ObservedValues is null) return null;
        var observed = (computed.ObservedSteps, computed.ObservedValues);
        var x = new List<double>();
        var y = new List<double>();
        var low = new List<double>();
        var high = new List<double>();
        for (var i = 0; i <= points; i++)
        {
            var step = view.LastStep + (long)Math.Round((double)(view.AtStep - view.LastStep) * i / points);
            var (p, l, h) = i == 0 ? (view.LastValue, view.LastValue, view.LastValue) : forecast.At(step);
            x.Add(step); y.Add(p); low.Add(l); high.Add(h);
        }
        return new ForecastChart(view, observed.Item1.Select(s => (double)s).ToList(), observed.Item2, x, y, low, high);
    }

    /// <summary>
    /// The answer for the run as stored now: kept while the run's version (its update time and data version) is the
    /// one it was computed from; a change also drops it through <see cref="RunStore.RunsChanged"/>.
    /// </summary>
    private Computed Cached(string runId, string key)
    {
        if (_store.GetRun(runId) is not { } run) return new(0, new(null, $"no run with id '{runId}'", false), null, null, null);
        var version = run.UpdatedAt.Ticks ^ run.DataVersion;
        if (_cache.TryGet((runId, key), out var cached) && cached.Version == version) return cached;
        var (answer, forecast, series) = Compute(run, key);
        var observed = series is null ? ((long[]?)null, (double[]?)null)
            : series.Count <= ObservedPoints ? (series.Steps, series.Values) : Reduce(series);
        var computed = new Computed(version, answer, forecast, observed.Item1, observed.Item2);
        _cache.Add((runId, key), computed);
        return computed;
    }

    private static (long[], double[]) Reduce(MetricSeries s)
    {
        var d = Downsampler.Reduce(s, ObservedPoints);
        return (d.Steps, d.Values);
    }

    private (ForecastAnswer Answer, LossForecast? Forecast, MetricSeries? Series) Compute(Run run, string key)
    {
        var runId = run.Id;
        if (run.FindMetric(key) is null)
        {
            return (new(null, $"run '{runId}' has no series '{key}'; it has {string.Join(", ", run.Metrics.Select(m => m.Key))}", true), null, null);
        }
        var epochs = run.FindMetric(MetricKeys.Epoch) is null ? null : _store.GetSeries(runId, MetricKeys.Epoch);
        if (RunSettings.TotalSteps(run, epochs) is not { } total)
        {
            return (new(null, "the run's settings do not give its total steps (iters, max_steps, train_iters, total_optimization_steps, or epochs with steps per epoch), so there is no end to forecast", true), null, null);
        }
        var series = _store.GetSeries(runId, key);
        if (series is null || series.Values.Count(double.IsFinite) < MinPoints)
        {
            return (new(null, $"'{key}' has {series?.Values.Count(double.IsFinite) ?? 0} finite points; a forecast needs at least {MinPoints}", true), null, null);
        }
        if (LossForecast.Fit(series.Steps, series.Values, total.Steps, MinPoints) is not { } forecast || !double.IsFinite(forecast.Predicted))
        {
            return (new(null, $"no curve could be fitted to '{key}'", true), null, null);
        }
        var its = LastPace(run);
        double? eta = null;
        string? etaFrom = null;
        if (Eta.SecondsPerStep(run, series, its) is { } pace)
        {
            eta = Math.Max(0, total.Steps - run.Steps) * pace.SecondsPerStep;
            etaFrom = pace.Source;
        }
        var lastIndex = Array.FindLastIndex(series.Values, double.IsFinite);
        return (new(new ForecastView(key, total.Steps, forecast.Predicted, forecast.Low, forecast.High, eta, eta is { } e ? Eta.Describe(e) : null, etaFrom,
            forecast.Model.Kind, forecast.Model.Formula, total.Source, series.Steps[lastIndex], series.Values[lastIndex], forecast.Points), null, true), forecast, series);
    }

    /// <summary>
    /// The iterations per second <see cref="Eta.SecondsPerStep"/> may use: it reads them from the last point back to
    /// the last finite positive one, so the series from the last logged step (one chunk) answers the same as the whole
    /// when that point is usable; otherwise the whole series is read.
    /// </summary>
    private MetricSeries? LastPace(Run run)
    {
        if (run.FindMetric(MetricKeys.IterationsPerSecond) is not { } metric) return null;
        var tail = _store.GetSeries(run.Id, MetricKeys.IterationsPerSecond, from: metric.LastStep);
        return tail is { Count: > 0 } && tail.Values.Any(v => double.IsFinite(v) && v > 0) ? tail : _store.GetSeries(run.Id, MetricKeys.IterationsPerSecond);
    }
}
