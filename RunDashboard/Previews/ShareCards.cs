using System.Globalization;
using Microsoft.Extensions.Options;
using RunDashboard.Components.Charts;
using RunDashboard.Configuration;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Components;
using RunDashboard.ViewState;

namespace RunDashboard.Previews;

/// <summary>The card a link unfurls to: title, one line of numbers, and the picture of its chart.</summary>
public sealed record ShareCard(string Title, string Description, string ImagePath);

/// <summary>
/// Builds the unfurl card and preview chart of run and compare links, from the same state the pages read, so
/// the picture in chat is the chart the link opens.
/// </summary>
public sealed class ShareCards(RunService runService, SeriesService loader, ChartPreview preview, RunCatalog catalog, IOptions<DashboardOptions> options)
{
    private static string N(double v) => NumberFormat.Value(v, 4);

    /// <summary>The configured public base (no trailing slash), or the request's own.</summary>
    public string PublicBase(string requestBase) => (options.Value.PublicBaseUrl is { Length: > 0 } b ? b : requestBase).TrimEnd('/');

    public ShareCard Run(Run run, RunView? view = null)
    {
        return new ShareCard(run.Name, RunHeadline.Of(run), DashboardUrls.RunPreview(run.Id, view));
    }

    public byte[] RunPng(Run run, long? from, long? to)
    {
        var key = $"run|{run.Id}|{run.UpdatedAt.Ticks}|{run.DataVersion}|{from}|{to}";
        return preview.Png(key, () =>
        {
            var lines = new List<PreviewLine>();
            var primary = run.FindMetric(MetricKeys.TrainLoss) is not null || run.FindMetric(MetricKeys.EvalLoss) is not null
                ? new[] { (MetricKeys.TrainLoss, "train", ChartColors.Train, false), (MetricKeys.EvalLoss, "eval", ChartColors.Eval, true) }
                : run.Metrics.Take(1).Select(m => (m.Key, m.Key, ChartColors.ForRun(0), false)).ToArray();
            foreach (var (key, name, color, markers) in primary)
            {
                if (loader.Load(run, key, from, to, 600) is { Count: > 0 } s)
                {
                    lines.Add(new PreviewLine(name, ChartSeries.Doubles(s.Steps), s.Values, color, Markers: markers && s.Count <= 60));
                }
            }
            var card = Run(run);
            return new PreviewChart(run.Name, card.Description, "step", primary.Length > 0 ? "loss" : "", lines);
        });
    }

    public ShareCard Compare(IReadOnlyList<Run> runs, CompareView view)
    {
        var metric = view.Metric ?? MetricKeys.TrainLoss;
        var finals = runs.Select(r => (r.Name, Last: r.FindMetric(metric)?.LastValue)).ToList();
        var description = $"{metric}: " + string.Join(" · ", finals.Select(f => $"{f.Name} {(f.Last is { } v && double.IsFinite(v) ? N(v) : "—")}"));
        return new ShareCard(runs.Count == 0 ? "Compare runs" : string.Join(" vs ", runs.Select(r => r.Name)), description, DashboardUrls.ComparePreview(view));
    }

    public byte[] ComparePng(IReadOnlyList<Run> runs, string metric, double smoothing, bool logY, double? from, double? to, string? xAxis = null,
        string? groupBy = null, bool stdBand = false)
    {
        var axis = CompareAxis.Normalize(xAxis);
        var items = runs.Select(r => RunListItem.From(r, catalog.Rules)).ToList();
        var by = RunGroups.Normalize(groupBy, items);
        var key = $"compare|{string.Join(',', runs.Select(r => $"{r.Id}:{r.UpdatedAt.Ticks}:{r.DataVersion}"))}|{metric}|{smoothing:R}|{logY}|{from}|{to}|{axis}|{by}|{stdBand}";
        return preview.Png(key, () => CompareChart(runs, metric, smoothing, logY, from, to, axis, by == RunGroups.None ? null : RunGroups.Of(items, by), stdBand));
    }

    /// <summary>
    /// The compare page's main chart as a picture: each run in its colour (smoothed over its faint raw line), or, when
    /// the link groups the runs, each group's mean in the group's colour with its band, as the page draws them.
    /// </summary>
    internal PreviewChart CompareChart(IReadOnlyList<Run> runs, string metric, double smoothing, bool logY, double? from, double? to, string axis,
        IReadOnlyList<RunGroup>? groups, bool stdBand)
    {
        var stepAxis = axis == CompareAxis.Step;
        var range = (From: stepAxis && from is { } f ? (long)Math.Floor(f) : (long?)null, To: stepAxis && to is { } t ? (long)Math.Ceiling(t) : (long?)null);
        var wallStart = axis == CompareAxis.WallTime ? WallStart(runs, metric) : 0;
        var members = new Dictionary<string, (double[] X, double[] Y)>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            if (loader.Load(run, metric, range.From, range.To, 600) is not { Count: > 0 } s) continue;
            if (CompareAxis.Values(loader, run, s, axis, out _) is not { } xs) continue;
            // Wall time is drawn as hours since the earliest run started: a PNG has no date axis to hover.
            members[run.Id] = (axis == CompareAxis.WallTime ? xs.Select(v => (v - wallStart) / 3600.0).ToArray() : xs.ToArray(), s.Values.ToArray());
        }
        var lines = new List<PreviewLine>();
        if (groups is not null)
        {
            for (var i = 0; i < groups.Count; i++)
            {
                var drawn = groups[i].RunIds.Where(members.ContainsKey).Select(id => members[id]).ToList();
                if (drawn.Count == 0) continue;
                var curve = GroupCurves.OfSmoothed(drawn.Select(m => ((IReadOnlyList<double>)m.X, (IReadOnlyList<double>)m.Y)).ToList(), smoothing,
                    stdBand ? BandKind.StdDev : BandKind.MinMax);
                lines.Add(new PreviewLine($"{groups[i].Label} ({drawn.Count})", [.. curve.X], [.. curve.Mean], ChartColors.ForRun(i), Lower: [.. curve.Lower], Upper: [.. curve.Upper]));
            }
        }
        else
        {
            for (var i = 0; i < runs.Count; i++)
            {
                if (!members.TryGetValue(runs[i].Id, out var m)) continue;
                var color = ChartColors.ForRun(i);
                if (smoothing > 0)
                {
                    lines.Add(new PreviewLine(runs[i].Name, m.X, m.Y, color, Faint: true));
                    lines.Add(new PreviewLine(runs[i].Name, m.X, Smoothing.DebiasedEma(m.Y, smoothing), color));
                }
                else lines.Add(new PreviewLine(runs[i].Name, m.X, m.Y, color));
            }
        }
        var card = Compare(runs, new CompareView { Runs = runs.Select(r => r.Id).ToList(), Metric = metric });
        return new PreviewChart(card.Title, card.Description, axis == CompareAxis.WallTime ? "hours since the first run started" : CompareAxis.Title(axis), metric, lines, logY);
    }

    private double WallStart(IReadOnlyList<Run> runs, string metric) =>
        runs.Select(r => loader.Load(r, metric, points: 600)?.Times?.FirstOrDefault(double.IsFinite) ?? double.NaN)
            .Where(double.IsFinite).DefaultIfEmpty(0).Min();

    public IReadOnlyList<Run> Runs(string? ids) =>
        runService.Get((ids ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
