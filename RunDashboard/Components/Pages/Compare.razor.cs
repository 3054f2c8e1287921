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
    [SupplyParameterFromQuery(Name = CompareView.Names.Group)] public string? GroupParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Band)] public string? BandParam { get; set; }
    [SupplyParameterFromQuery(Name = CompareView.Names.Final)] public string? FinalParam { get; set; }

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
    private List<RunListItem> _items = [];
    private IReadOnlyList<GroupChoice> _groupChoices = [];
    private IReadOnlyList<RunGroup> _groups = [];
    private List<GroupRow> _groupRows = [];
    private ParallelView? _parallel;
    private string GroupBy { get; set; } = RunGroups.None;
    private bool Grouped => GroupBy != RunGroups.None;
    private BandKind Band => BandParam == CompareView.StdBandValue ? BandKind.StdDev : BandKind.MinMax;
    private string FinalMetric { get; set; } = MetricKeys.EvalLoss;
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
        _items = _runs.Select(r => RunListItem.From(r, Catalog.Rules)).ToList();
        _groupChoices = RunGroups.Choices(_items);
        GroupBy = RunGroups.Normalize(GroupParam, _items);
        _groups = RunGroups.Of(_items, GroupBy);
        FinalMetric = FinalParam is { Length: > 0 } f && _metricKeys.Contains(f) ? f : ParallelAxes.DefaultMetric(_runs);
        _parallel = _runs.Count >= 2 ? ParallelAxes.Build(_runs, FinalMetric) : null;
        _card = Cards.Compare(_runs, new CompareView
        {
            Runs = _runs.Select(r => r.Id).ToList(), Metric = MetricKey, Smooth = SmoothingValue, Log = LogY, LogX = LogX, X = XAxisValue, From = XFrom, To = XTo,
            Group = GroupBy, StdBand = Band == BandKind.StdDev,
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
            var members = Members(key, null, null, points: 400, report: false);
            var traces = new List<ChartTrace>();
            if (Grouped)
            {
                traces.AddRange(_groups.Select((g, i) => GroupTrace(g, i, members)).OfType<(ChartTrace Trace, GroupRow Row)>().Select(t => t.Trace with { ShowLegend = false }));
            }
            else
            {
                for (var i = 0; i < _runs.Count; i++)
                {
                    if (!members.TryGetValue(_runs[i].Id, out var m)) continue;
                    var y = smoothing > 0 ? Smoothing.DebiasedEma(m.Series.Values, smoothing) : m.Series.Values;
                    traces.Add(new ChartTrace(_runs[i].Name, m.X, y, Color: ChartColors.ForRun(i)) { ShowLegend = false });
                }
            }
            if (traces.Count > 0) _panels.Add((key, traces));
        }
    }

    private void BuildChart()
    {
        _traces = [];
        _legend = [];
        _groupRows = [];
        // Only a step axis can ask storage for a range; other axes zoom on what is loaded.
        var stepAxis = XAxisValue == "step";
        var members = Members(MetricKey, stepAxis ? Floor(XFrom) : null, stepAxis ? Ceiling(XTo) : null, SeriesService.ChartPoints, report: true);
        if (Grouped)
        {
            foreach (var (group, i) in _groups.Select((g, i) => (g, i)))
            {
                if (GroupTrace(group, i, members) is not { } trace) continue;
                _traces.Add(trace.Trace);
                _groupRows.Add(trace.Row);
            }
            return;
        }
        var smoothing = SmoothingValue;
        for (var i = 0; i < _runs.Count; i++)
        {
            if (!members.TryGetValue(_runs[i].Id, out var m)) continue;
            var (run, series, x) = m;
            var color = ChartColors.ForRun(i);
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

    /// <summary>Each run's series of a metric with its x values on the chosen axis, by run id; runs that cannot be drawn are left out.</summary>
    private Dictionary<string, (Run Run, DownsampledSeries Series, IReadOnlyList<double> X)> Members(string key, long? from, long? to, int points, bool report)
    {
        var found = new Dictionary<string, (Run, DownsampledSeries, IReadOnlyList<double>)>(StringComparer.Ordinal);
        foreach (var run in _runs)
        {
            var series = Loader.Load(run, key, from, to, points);
            if (series is null)
            {
                if (report) _missing.Add($"{run.Name} has no {key}.");
                continue;
            }
            var x = CompareAxis.Values(Loader, run, series, XAxisValue, out var missing);
            if (missing is not null && report) _missing.Add(missing);
            if (x is not null) found[run.Id] = (run, series, x);
        }
        return found;
    }

    /// <summary>
    /// A group as one line: the mean of its members (each smoothed first, so the band shows how far the smoothed runs
    /// spread, not the step-to-step noise) with its band, in the group's colour; hovering names the members.
    /// </summary>
    private (ChartTrace Trace, GroupRow Row)? GroupTrace(RunGroup group, int index, Dictionary<string, (Run Run, DownsampledSeries Series, IReadOnlyList<double> X)> members)
    {
        var smoothing = SmoothingValue;
        var drawn = group.RunIds.Where(members.ContainsKey).Select(id => members[id]).ToList();
        if (drawn.Count == 0) return null;
        var curve = GroupCurves.OfSmoothed(drawn.Select(m => (m.X, (IReadOnlyList<double>)m.Series.Values)).ToList(), smoothing, Band);
        var color = ChartColors.ForRun(index);
        var names = string.Join(", ", drawn.Select(m => m.Run.Name));
        var bandName = Band == BandKind.StdDev ? "±1 std" : "min–max";
        var hover = curve.Mean.Select((m, i) =>
            $"{group.Label}: mean {NumberFormat.Value(m, 4)} ({bandName} {NumberFormat.Value(curve.Lower[i], 4)} to {NumberFormat.Value(curve.Upper[i], 4)}), {curve.Members[i]} of {drawn.Count} runs: {names}").ToList();
        var trace = new ChartTrace($"{group.Label} ({drawn.Count})", curve.X, curve.Mean, Color: color)
        {
            BandMin = curve.Lower, BandMax = curve.Upper, HoverText = hover, LegendGroup = "group-" + index,
        };
        var last = Enumerable.Range(0, curve.Mean.Count).LastOrDefault(i => double.IsFinite(curve.Mean[i]), -1);
        var row = new GroupRow(group.Label, color, drawn.Select(m => (m.Run.Id, m.Run.Name)).ToList(),
            last >= 0 ? curve.Mean[last] : double.NaN, last >= 0 ? curve.Lower[last] : double.NaN, last >= 0 ? curve.Upper[last] : double.NaN);
        return (trace, row);
    }

    private static long? Floor(double? v) => v is { } d ? (long)Math.Floor(d) : null;
    private static long? Ceiling(double? v) => v is { } d ? (long)Math.Ceiling(d) : null;

    private string RunLabel(string id) => Catalog.All.FirstOrDefault(r => r.Id == id)?.Name ?? id;

    private static string CellClass(string? value, bool changed) => value is null ? "rd-missing" + (changed ? " rd-changed" : "") : changed ? "rd-changed rd-mono" : "rd-mono";

    private static string Show(double? v) => NumberFormat.Value(v, "missing");

    private string ReportLink => DashboardUrls.CompareReport(_runs.Select(r => r.Id));

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

    private Task SetGroupAsync(string by) => Update((CompareView.Names.Group, by == RunGroups.None ? null : by));
    private Task SetBandAsync(string band) => Update((CompareView.Names.Band, band == CompareView.StdBandValue ? band : null));
    private Task SetFinalAsync(string key) => Update((CompareView.Names.Final, key));

    private string GroupLabel(string value) => _groupChoices.FirstOrDefault(c => c.Value == value)?.Label ?? value;

    private string RunName(string id) => _runs.FirstOrDefault(r => r.Id == id)?.Name ?? id;

    /// <summary>A group in the legend table: its members and where its mean and band end.</summary>
    private sealed record GroupRow(string Label, string Color, IReadOnlyList<(string Id, string Name)> Members, double Last, double Lower, double Upper);

    private sealed record LegendRow(string RunId, string Name, string Color, double Last, double? Smoothed, double Min, long Total);
}
