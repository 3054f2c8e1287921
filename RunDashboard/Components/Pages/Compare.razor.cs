using RunDashboard.ViewState;
using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using RunDashboard.Components.Charts;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Pages;

/// <summary>
/// Several runs on one chart, their hyperparameters side by side and where they ended. All controls live in the
/// query string (<c>/compare?runs=a,b&amp;metric=train/loss&amp;smooth=0.6&amp;x=step</c>), so the link is the view.
/// </summary>
public partial class Compare : IDisposable
{
    [Inject] private RunService Runs { get; set; } = default!;
    [Inject] private SeriesService Loader { get; set; } = default!;
    [Inject] private RunCatalog Catalog { get; set; } = default!;
    [Inject] private HealthService Health { get; set; } = default!;
    [Inject] private RunDashboard.Previews.ShareCards Cards { get; set; } = default!;
    [Inject] private NavigationManager Nav { get; set; } = default!;

    [SupplyParameterFromQuery(Name = CompareView.Names.Runs)] public string? RunsParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Metric)] public string? MetricParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Smooth)] public double? SmoothParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.X)] public string? XParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Log)] public bool LogY { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.LogX)] public bool LogX { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Robust)] public bool? RobustParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.From)] public double? XFrom { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.To)] public double? XTo { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.All)] public bool ShowAll { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Panels)] public string? PanelsParam { get; set; }

    /// <summary>How many metrics the panel grid shows when the link names none.</summary>
    public const int DefaultPanelCount = 6;

    /// <summary>Metrics people look at first, in that order, when the grid picks panels by itself.</summary>
    private static readonly string[] PanelPriority =
    [
        MetricKeys.TrainLoss, MetricKeys.EvalLoss, MetricKeys.LearningRate, "train/grad_norm", MetricKeys.TokensPerSecond,
        MetricKeys.RewardsMargins, MetricKeys.RewardsAccuracies, MetricKeys.PeakMemoryGb,
    ];

    private List<(string Key, IReadOnlyList<ChartTrace> Traces)> _panels = [];

    private List<Run> _runs = [];
    private List<string> _runIds = [];
    private List<string> _metricKeys = [];
    private List<ChartTrace> _traces = [];
    private List<LegendRow> _legend = [];
    private List<string> _missing = [];
    private IReadOnlyList<DiffRow> _diff = [];
    private List<FinalMetrics> _finals = [];
    private RunDashboard.Previews.ShareCard _card = new("Compare runs", "", "/preview/compare.png");

    private string PublicBase => Cards.PublicBase(Nav.BaseUri);
    private string AbsoluteUrl => PublicBase + UrlState.PathAndQuery(Nav);
    private List<IReadOnlyList<RunDashboard.Core.Analysis.Health.Finding>> _findings = [];

    private string MetricKey { get; set; } = MetricKeys.TrainLoss;
    private double SmoothingValue => Math.Clamp(SmoothParam ?? CompareView.DefaultSmoothing, 0, 0.99);
    private string XAxisValue => CompareAxis.Normalize(XParam);
    private bool Robust => RobustParam ?? true;
    private string Title => _runs.Count == 0 ? "Compare runs" : string.Join(" vs ", _runs.Select(r => r.Name));

    private string XTitle => CompareAxis.Title(XAxisValue);

    protected override void OnInitialized() => Catalog.Changed += OnRunsChanged;

    protected override void OnParametersSet()
    {
        _runIds = (RunsParam ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        _runs = _runIds.Select(Runs.Get).OfType<Run>().ToList();
        _missing = _runIds.Where(id => _runs.All(r => r.Id != id)).Select(id => $"No run with id '{id}'.").ToList();
        _metricKeys = _runs.SelectMany(r => r.Metrics.Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        MetricKey = MetricParam is { Length: > 0 } m ? m
            : _metricKeys.Contains(MetricKeys.TrainLoss) ? MetricKeys.TrainLoss
            : _metricKeys.FirstOrDefault() ?? MetricKeys.TrainLoss;
        _diff = HyperparameterDiff.Build(_runs);
        _finals = _runs.Select(FinalMetrics.Of).ToList();
        _findings = _runs.Select(Health.Findings).ToList();
        _card = Cards.Compare(_runs, new CompareView
        {
            Runs = _runs.Select(r => r.Id).ToList(), Metric = MetricKey, Smooth = SmoothingValue, Log = LogY, LogX = LogX, X = XAxisValue, From = XFrom, To = XTo,
        });
        BuildChart();
        BuildPanels();
    }

    /// <summary>
    /// A grid of small charts, one per metric, as W&amp;B shows a workspace: the ones the link names, or else the
    /// metrics that at least two of the runs share (all of one run's), the usual ones first.
    /// </summary>
    private void BuildPanels()
    {
        _panels = [];
        if (_runs.Count == 0) return;
        var keys = (PanelsParam ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (keys.Count == 0)
        {
            keys = _runs.SelectMany(r => r.Metrics.Select(m => m.Key)).GroupBy(k => k)
                .Where(g => g.Count() >= Math.Min(2, _runs.Count)).Select(g => g.Key)
                .Where(k => k != MetricKey)
                .OrderBy(k => Array.IndexOf(PanelPriority, k) is var i and >= 0 ? i : PanelPriority.Length).ThenBy(k => k, StringComparer.Ordinal)
                .Take(DefaultPanelCount).ToList();
        }
        var smoothing = SmoothingValue;
        foreach (var key in keys)
        {
            var traces = new List<ChartTrace>();
            for (var i = 0; i < _runs.Count; i++)
            {
                if (Loader.Load(_runs[i], key, points: 400) is not { Count: > 0 } series) continue;
                if (CompareAxis.Values(Loader, _runs[i], series, XAxisValue, out _) is not { } x) continue;
                var y = smoothing > 0 ? Smoothing.DebiasedEma(series.Values, smoothing) : series.Values;
                traces.Add(new ChartTrace(_runs[i].Name, x, y, Color: ChartColors.ForRun(i)) { ShowLegend = false });
            }
            if (traces.Count > 0) _panels.Add((key, traces));
        }
    }

    private void BuildChart()
    {
        _traces = [];
        _legend = [];
        var smoothing = SmoothingValue;
        for (var i = 0; i < _runs.Count; i++)
        {
            var run = _runs[i];
            var color = ChartColors.ForRun(i);
            // Only a step axis can ask storage for a range; other axes zoom on what is loaded.
            var stepAxis = XAxisValue == "step";
            var series = Loader.Load(run, MetricKey, stepAxis ? Floor(XFrom) : null, stepAxis ? Ceiling(XTo) : null);
            if (series is null)
            {
                _missing.Add($"{run.Name} has no {MetricKey}.");
                continue;
            }
            var x = XValues(run, series);
            if (x is null) continue;
            var smoothed = smoothing > 0 ? Smoothing.DebiasedEma(series.Values, smoothing) : null;
            _traces.Add(new ChartTrace(run.Name, x, series.Values, Color: color)
            {
                Opacity = smoothed is null ? 1 : 0.25,
                Width = smoothed is null ? 2 : 1,
                ShowLegend = smoothed is null,
                LegendGroup = run.Id,
            });
            if (smoothed is not null)
            {
                _traces.Add(new ChartTrace(run.Name, x, smoothed, Color: color) { LegendGroup = run.Id });
            }
            var finite = series.Values.Where(double.IsFinite).ToList();
            _legend.Add(new LegendRow(run.Id, run.Name, color,
                finite.Count > 0 ? finite[^1] : double.NaN,
                smoothed?.LastOrDefault(double.IsFinite),
                series.Reduced ? series.Min.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min() : finite.DefaultIfEmpty(double.NaN).Min(),
                series.Total));
        }
    }

    private IReadOnlyList<double>? XValues(Run run, DownsampledSeries series)
    {
        var x = CompareAxis.Values(Loader, run, series, XAxisValue, out var missing);
        if (missing is not null) _missing.Add(missing);
        return x;
    }

    private static long? Floor(double? v) => v is { } d ? (long)Math.Floor(d) : null;
    private static long? Ceiling(double? v) => v is { } d ? (long)Math.Ceiling(d) : null;

    private string RunLabel(string id) => Catalog.All.FirstOrDefault(r => r.Id == id)?.Name ?? id;

    private static string CellClass(string? value, bool changed) => value is null ? "rd-missing" + (changed ? " rd-changed" : "") : changed ? "rd-changed rd-mono" : "rd-mono";

    private static string Show(double? v) => NumberFormat.Value(v, "missing");

    private string ReportLink => $"/api/compare/report{DashboardUrls.Query([(CompareView.Names.Runs, string.Join(',', _runs.Select(r => r.Id)))])}";

    private Task SetRunsAsync(IEnumerable<string?>? ids) =>
        Update((CompareView.Names.Runs, string.Join(',', (ids ?? []).OfType<string>())), (CompareView.Names.From, null), (CompareView.Names.To, null));
    private Task SetMetricAsync(string key) => Update((CompareView.Names.Metric, key), (CompareView.Names.From, null), (CompareView.Names.To, null));
    private Task SetSmoothingAsync(double value) => Update((CompareView.Names.Smooth, DashboardUrls.Number(value, "0.00")));
    private Task SetXAxisAsync(string axis) =>
        Update((CompareView.Names.X, axis == CompareView.StepAxis ? null : axis), (CompareView.Names.From, null), (CompareView.Names.To, null));
    private Task SetLogAsync(bool on) => Update((CompareView.Names.Log, on ? "true" : null));
    private Task SetLogXAsync(bool on) => Update((CompareView.Names.LogX, on ? "true" : null), (CompareView.Names.From, null), (CompareView.Names.To, null));

    /// <summary>Metrics that only grow in at least one of the runs: each can be the x axis.</summary>
    private IEnumerable<string> MetricAxes => _runs.SelectMany(CompareAxis.MonotoneCandidates).Distinct().Order(StringComparer.Ordinal);
    private Task SetRobustAsync(bool on) => Update((CompareView.Names.Robust, on ? null : "false"));
    private Task SetOnlyDifferencesAsync(bool only) => Update((CompareView.Names.All, only ? null : "true"));

    private Task OnZoomAsync((double? From, double? To) range) =>
        Update((CompareView.Names.From, DashboardUrls.Number(range.From)), (CompareView.Names.To, DashboardUrls.Number(range.To)));

    private Task Update(params (string Name, string? Value)[] changes)
    {
        UrlState.Replace(Nav, changes);
        return Task.CompletedTask;
    }

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        if (!ids.Any(_runIds.Contains)) return;
        _ = InvokeAsync(() =>
        {
            OnParametersSet();
            StateHasChanged();
        });
    }

    public void Dispose() => Catalog.Changed -= OnRunsChanged;

    private sealed record LegendRow(string RunId, string Name, string Color, double Last, double? Smoothed, double Min, long Total);
}
