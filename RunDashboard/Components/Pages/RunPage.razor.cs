using RunDashboard.ViewState;
using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;
using RunDashboard.Components.Charts;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Pages;

/// <summary>
/// One run: a panel per kind of data it has. Every control (zoom, log scale, share toggle, open metric groups,
/// hyperparameter search) lives in the query string, so a copied link reopens the same view.
/// </summary>
public partial class RunPage : IDisposable
{
    [Inject] private RunService Runs { get; set; } = default!;
    [Inject] private SeriesService Loader { get; set; } = default!;
    [Inject] private RunCatalog Catalog { get; set; } = default!;
    [Inject] private HealthService Health { get; set; } = default!;
    [Inject] private RunDashboard.Previews.ShareCards Cards { get; set; } = default!;
    [Inject] private NavigationManager Nav { get; set; } = default!;
    [Inject] private IJSRuntime Js { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;

    [Parameter] public string Id { get; set; } = "";
    [SupplyParameterFromQuery(Name = RunView.Names.From)] public long? XFromStep { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.To)] public long? XToStep { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.LogLr)] public bool LogLr { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.Share)] public bool Share { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.Open)] public string? OpenGroups { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.Hp)] public string? HpFilter { get; set; }
    /// <summary>A step marked on every chart (what "show step N" of a finding opens).</summary>
    [SupplyParameterFromQuery(Name = RunView.Names.Mark)] public long? MarkStep { get; set; }
    [SupplyParameterFromQuery(Name = RunView.Names.Findings)] public string? FindingsParam { get; set; }

    private Run? _run;
    private string _method = "";
    private string _state = "";
    private TimeSpan? _runtime;
    private List<Panel> _panels = [];
    private List<MetricGroup> _groups = [];
    private IReadOnlyList<Finding> _findings = [];
    private RunDashboard.Previews.ShareCard? _card;

    private string PublicBase => Cards.PublicBase(Nav.BaseUri);
    private string AbsoluteUrl => PublicBase + UrlState.PathAndQuery(Nav);
    private readonly Dictionary<string, IReadOnlyList<ChartTrace>> _otherTraces = [];
    private (string, long?, long?, int, bool)? _loaded;

    private double? XFrom => XFromStep;
    private double? XTo => XToStep;
    private double? Mark => MarkStep;
    private bool FindingsOpen => FindingsParam == "all";
    private long? _scrolledTo;

    /// <summary>
    /// The forecast fits curves to the whole series and reads the run's pace (a few hundred milliseconds a view), so
    /// it is rendered once the live page has sent its first render: neither the prerendered page nor the charts wait for it.
    /// </summary>
    private bool _forecastShown;
    private HashSet<string> Open => (OpenGroups ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    /// <summary>Metrics that have their own panel; everything else goes to the grouped "other metrics".</summary>
    private static readonly HashSet<string> PanelKeys =
    [
        MetricKeys.TrainLoss, MetricKeys.EvalLoss, MetricKeys.LearningRate, MetricKeys.Tokens, MetricKeys.TokensPerSecond,
        MetricKeys.IterationsPerSecond, MetricKeys.SamplesPerSecond, MetricKeys.PeakMemoryGb, "train/gpu_memory_gb",
        MetricKeys.RewardsChosen, MetricKeys.RewardsRejected, MetricKeys.RewardsMargins, MetricKeys.RewardsAccuracies,
    ];

    private const int MaxMarkers = 200;

    protected override void OnInitialized() => Catalog.Changed += OnRunsChanged;

    protected override void OnParametersSet()
    {
        var run = Runs.Get(Id);
        var key = run is null ? ((string, long?, long?, int, bool)?)null : (run.Id, XFromStep, XToStep, run.DataVersion, Share);
        if (key is not null && key == _loaded && _run is not null) return;
        _run = run;
        _loaded = key;
        _panels = [];
        _groups = [];
        _otherTraces.Clear();
        if (_run is null) return;
        _method = TrainingMethod.Detect(_run);
        _state = RunCompletion.StateOf(_run, Time.GetUtcNow().UtcDateTime);
        _findings = Health.Findings(_run);
        _card = Cards.Run(_run, new RunView { From = XFromStep, To = XToStep });
        _runtime = Runtime(_run);
        BuildPanels();
        _groups = _run.Metrics.Select(m => m.Key).Where(k => !PanelKeys.Contains(k) && !IsComponent(k))
            .GroupBy(k => k.Contains('/') ? k[..k.IndexOf('/')] : k)
            .Select(g => new MetricGroup(g.Key, g.Order(StringComparer.Ordinal).ToList()))
            .OrderBy(g => g.Prefix, StringComparer.Ordinal).ToList();
    }

    private void BuildPanels()
    {
        var run = _run!;
        var train = Loader.Load(run, MetricKeys.TrainLoss, XFromStep, XToStep);
        var eval = Loader.Load(run, MetricKeys.EvalLoss, XFromStep, XToStep);
        if (train is not null || eval is not null)
        {
            var traces = new List<ChartTrace>();
            if (train is not null) traces.Add(ChartSeries.ToTrace(train, "train", ChartColors.Train));
            // Markers show where evals happened; past a few hundred they are just thousands of SVG nodes to draw.
            if (eval is not null) traces.Add(ChartSeries.ToTrace(eval, "eval", ChartColors.Eval, markers: eval.Count <= MaxMarkers));
            traces.AddRange(EventMarkers(train ?? eval!, [train, eval]));
            _panels.Add(new Panel("loss", "Loss", traces, "loss"));
        }

        var lr = Loader.Load(run, MetricKeys.LearningRate, XFromStep, XToStep);
        if (lr is not null)
        {
            _panels.Add(new Panel("lr", "Learning rate", [ChartSeries.ToTrace(lr, "learning rate", ChartColors.Lr)], "learning rate")
            {
                Note = ZeroPrintedNote(lr),
            });
        }

        var tokens = Loader.Load(run, MetricKeys.Tokens, XFromStep, XToStep);
        if (tokens is not null)
        {
            _panels.Add(new Panel("tokens", "Tokens", [ChartSeries.ToTrace(tokens, "trained tokens", ChartColors.ForRun(0))], "tokens"));
        }

        var throughput = new List<ChartTrace>();
        AddLine(throughput, MetricKeys.TokensPerSecond, "tokens/s", ChartColors.ForRun(1));
        AddLine(throughput, MetricKeys.IterationsPerSecond, "it/s", ChartColors.ForRun(2), secondAxis: throughput.Count > 0);
        AddLine(throughput, MetricKeys.SamplesPerSecond, "samples/s", ChartColors.ForRun(4), secondAxis: throughput.Count > 0);
        if (throughput.Count > 0)
        {
            _panels.Add(new Panel("throughput", "Throughput", throughput, throughput[0].Name) { Y2Title = throughput.Count > 1 ? "it/s · samples/s" : null });
        }

        var memory = new List<ChartTrace>();
        AddLine(memory, MetricKeys.PeakMemoryGb, "peak memory (GB)", ChartColors.ForRun(3));
        AddLine(memory, "train/gpu_memory_gb", "GPU memory (GB)", ChartColors.ForRun(5));
        if (memory.Count > 0) _panels.Add(new Panel("memory", "Memory", memory, "GB"));

        var rewards = new List<ChartTrace>();
        AddLine(rewards, MetricKeys.RewardsChosen, "chosen", ChartColors.ForRun(2));
        AddLine(rewards, MetricKeys.RewardsRejected, "rejected", ChartColors.ForRun(3));
        AddLine(rewards, MetricKeys.RewardsMargins, "margins", ChartColors.ForRun(0));
        AddLine(rewards, MetricKeys.RewardsAccuracies, "accuracies", ChartColors.ForRun(7), secondAxis: true);
        if (rewards.Count > 0) _panels.Add(new Panel("rewards", "Reward margins", rewards, "reward") { Y2Title = "accuracy" });

        if (ComponentsPanel() is { } components) _panels.Add(components);
    }

    private void AddLine(List<ChartTrace> into, string key, string name, string color, bool secondAxis = false)
    {
        if (Loader.Load(_run!, key, XFromStep, XToStep) is { Count: > 0 } s)
        {
            into.Add(ChartSeries.ToTrace(s, name, color) with { SecondAxis = secondAxis });
        }
    }

    /// <summary>Checkpoints, warnings and non-finite values as markers pinned on the loss line.</summary>
    private IEnumerable<ChartTrace> EventMarkers(DownsampledSeries line, IEnumerable<DownsampledSeries?> series)
    {
        var events = _run!.Events.Where(e => (XFromStep is null || e.Step >= XFromStep) && (XToStep is null || e.Step <= XToStep)).ToList();
        foreach (var (kind, name, color, symbol) in new[]
                 {
                     (RunEvent.Checkpoint, "checkpoints", ChartColors.Checkpoint, "diamond"),
                     (RunEvent.Warning, "warnings", ChartColors.Warning, "triangle"),
                 })
        {
            var of = events.Where(e => e.Kind == kind).Take(500).ToList();
            if (of.Count == 0) continue;
            yield return new ChartTrace(name, of.Select(e => (double)e.Step).ToList(), of.Select(e => ChartSeries.ValueAt(line, e.Step)).ToList(), Color: color)
            {
                MarkersOnly = true, Symbol = symbol, HoverText = of.Select(e => $"step {e.Step}: {e.Message}").ToList(),
            };
        }
        var nonFinite = series.OfType<DownsampledSeries>().SelectMany(s => s.NonFiniteSteps.Select(step => (s.Key, step))).ToList();
        if (nonFinite.Count > 0)
        {
            yield return new ChartTrace("NaN/Inf", nonFinite.Select(n => (double)n.step).ToList(), nonFinite.Select(n => ChartSeries.ValueAt(line, n.step)).ToList(), Color: ChartColors.Warning)
            {
                MarkersOnly = true, Symbol = "x", HoverText = nonFinite.Select(n => $"step {n.step}: {n.Key} is not a finite number").ToList(),
            };
        }
    }

    /// <summary>
    /// A log printed lr=0.00e+00 while the schedule was at 7.96e-06. When stored values are tiny
    /// but non-zero, or the log printed zeros next to non-zero steps, say so beside the chart.
    /// </summary>
    private static string? ZeroPrintedNote(DownsampledSeries lr)
    {
        var zeros = lr.Values.Count(v => v == 0);
        var nonZero = lr.Values.Count(v => double.IsFinite(v) && v != 0);
        return zeros > 0 && nonZero > 0
            ? $"{zeros} logged point{(zeros == 1 ? "" : "s")} read 0 while others are non-zero: the log may print too few digits (hover shows full precision)."
            : null;
    }

    private static bool IsComponent(string key) => key.StartsWith("train/loss/", StringComparison.Ordinal) || key.StartsWith("eval/loss/", StringComparison.Ordinal);

    /// <summary>A stacked bar per logged step of the parts of train or eval loss, with what the parts do not explain as "other".</summary>
    private Panel? ComponentsPanel()
    {
        var run = _run!;
        foreach (var total in new[] { MetricKeys.EvalLoss, MetricKeys.TrainLoss })
        {
            var parts = run.Metrics.Where(m => m.Key.StartsWith(total + "/", StringComparison.Ordinal)).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
            if (parts.Count == 0) continue;
            var totalSeries = Loader.Load(run, total, XFromStep, XToStep, points: 120);
            if (totalSeries is null || totalSeries.Count == 0) continue;
            var bars = LossComponents.Split(totalSeries, parts.Select(p => Loader.Load(run, p, XFromStep, XToStep, points: 100_000)!).ToList(), Share);
            var traces = bars.Select((b, i) => new ChartTrace(b.Name, ChartSeries.Doubles(b.Steps), b.Values, Color: b.Name == LossComponents.Other ? ChartColors.Other : ChartColors.ForRun(i + 2)) { Bar = true }).ToList();
            return new Panel("components", $"Loss components ({total})", traces, Share ? "share of total" : "loss") { Stacked = true };
        }
        return null;
    }

    private IReadOnlyList<ChartTrace> OtherTraces(string key)
    {
        if (_otherTraces.TryGetValue(key, out var traces)) return traces;
        var s = Loader.Load(_run!, key, XFromStep, XToStep);
        traces = s is null ? [] : [ChartSeries.ToTrace(s, key, ChartColors.ForRun(0))];
        _otherTraces[key] = traces;
        return traces;
    }

    private static TimeSpan? Runtime(Run run)
    {
        var seconds = run.Summary.Find(s => s.Key is "train_runtime" or "_runtime" or "runtime")?.Value;
        return seconds is > 0 ? TimeSpan.FromSeconds(seconds.Value) : null;
    }

    private Task OnZoomAsync((double? From, double? To) range) =>
        UpdateUrlAsync((RunView.Names.From, DashboardUrls.Number(range.From is { } f ? (long)Math.Floor(f) : null)),
                       (RunView.Names.To, DashboardUrls.Number(range.To is { } t ? (long)Math.Ceiling(t) : null)));

    private Task ResetZoomAsync() => UpdateUrlAsync((RunView.Names.From, null), (RunView.Names.To, null), (RunView.Names.Mark, null));

    private Task SetFindingsOpenAsync(bool open) => UpdateUrlAsync((RunView.Names.Findings, open ? "all" : null));

    /// <summary>A marked step is only useful in sight: the first chart is scrolled to once per mark.</summary>
    /// <remarks>The first live render also brings in the forecast (see <see cref="_forecastShown"/>).</remarks>
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive && _run is not null)
        {
            _forecastShown = true;
            StateHasChanged();
        }
        if (MarkStep is { } mark && mark != _scrolledTo && _panels.Count > 0)
        {
            _scrolledTo = mark;
            try
            {
                await Js.InvokeVoidAsync("runDashboard.scrollToId", $"panel-{_panels[0].Id}");
            }
            catch (JSDisconnectedException)
            {
            }
        }
    }

    private Task SetLogLrAsync(bool on) => UpdateUrlAsync((RunView.Names.LogLr, on ? "true" : null));

    private Task SetShareAsync(bool on) => UpdateUrlAsync((RunView.Names.Share, on ? "true" : null));

    private Task SetHpFilterAsync(string? text) => UpdateUrlAsync((RunView.Names.Hp, string.IsNullOrEmpty(text) ? null : text));

    private Task SetGroupOpenAsync(string prefix, bool open)
    {
        var groups = Open;
        if (open) groups.Add(prefix); else groups.Remove(prefix);
        return UpdateUrlAsync((RunView.Names.Open, groups.Count == 0 ? null : string.Join(',', groups.Order(StringComparer.Ordinal))));
    }

    private Task UpdateUrlAsync(params (string Name, string? Value)[] changes)
    {
        UrlState.Replace(Nav, changes);
        return Task.CompletedTask;
    }

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        // Live: an append or a sync of this run redraws the charts in place.
        if (_run is null || !ids.Contains(_run.Id)) return;
        _ = InvokeAsync(() =>
        {
            _loaded = null;
            OnParametersSet();
            StateHasChanged();
        });
    }

    /// <summary>A link that opens the charts around a step at full detail, with the step marked.</summary>
    private string StepLink(long step)
    {
        var pad = Math.Max(10, _run!.Steps / 50);
        return DashboardUrls.Run(_run.Id, new RunView { From = Math.Max(0, step - pad), To = step + pad, Mark = step });
    }

    private static MudBlazor.Severity AlertSeverity(Core.Analysis.Health.Severity s) => s switch
    {
        Core.Analysis.Health.Severity.Error => MudBlazor.Severity.Error,
        Core.Analysis.Health.Severity.Warning => MudBlazor.Severity.Warning,
        _ => MudBlazor.Severity.Info,
    };

    private string StateTitle => _state switch
    {
        RunStates.Incomplete => RunCompletion.ConfiguredSteps(_run!) is { } total
            ? $"The log stopped at step {_run!.Steps} of {total} configured, without a final summary."
            : "The log stopped without a final summary, and has not grown for 10 minutes.",
        RunStates.Running => "The log has no final summary yet and was uploaded in the last 10 minutes.",
        _ => _state,
    };

    internal static Color StateColor(string state) => state switch
    {
        RunStates.Running => Color.Info,
        RunStates.Finished => Color.Success,
        RunStates.Crashed or RunStates.Failed => Color.Error,
        _ => Color.Default,
    };

    private string CompareLink => DashboardUrls.Compare(new CompareView { Runs = [_run!.Id] });


    public void Dispose() => Catalog.Changed -= OnRunsChanged;

    private sealed record Panel(string Id, string Title, IReadOnlyList<ChartTrace> Traces, string? YTitle)
    {
        public string? Y2Title { get; init; }
        public string? Note { get; init; }
        public bool Stacked { get; init; }
    }

    private sealed record MetricGroup(string Prefix, IReadOnlyList<string> Keys);
}
