using System.Globalization;

namespace RunDashboard.ViewState;

/// <summary>
/// Every dashboard address, built in one place from typed view state: pages, share cards and short links use it,
/// so a query parameter is spelled once (in the view's <c>Names</c>) and defaults never clutter a link.
/// </summary>
public static class DashboardUrls
{
    public static string Run(string id, RunView? view = null) => $"/runs/{Uri.EscapeDataString(id)}{Query(view?.Query() ?? [])}";

    public static string RunPreview(string id, RunView? view = null) =>
        $"/preview/runs/{Uri.EscapeDataString(id)}.png{Query((view?.Query() ?? []).Where(p => p.Name is RunView.Names.From or RunView.Names.To))}";

    public static string Compare(CompareView view) => "/compare" + Query(view.Query());

    public static string ComparePreview(CompareView view) => "/preview/compare.png" + Query(view.PreviewQuery());

    /// <summary>The markdown report of a comparison (its runs only: the report covers every metric).</summary>
    public static string CompareReport(IEnumerable<string> runIds) => "/api/compare/report" + Query([(CompareView.Names.Runs, string.Join(',', runIds))]);

    public static string RunList(RunListView? view = null) => "/" + Query(view?.Query() ?? []);

    /// <summary>A run's whole series as JSON, or as CSV with <paramref name="format"/> <c>csv</c>.</summary>
    public static string SeriesExport(string runId, string key, string? format = null) =>
        $"/api/runs/{Uri.EscapeDataString(runId)}/series" + Query([("key", key), ("format", format)]);

    public static string ShortLink(string publicBase, string code) => $"{publicBase.TrimEnd('/')}/s/{Uri.EscapeDataString(code)}";

    /// <summary><c>?a=1&amp;b=x%2Fy</c> from the pairs that have a value; the run list's commas stay readable.</summary>
    public static string Query(IEnumerable<(string Name, string? Value)> pairs)
    {
        var parts = pairs.Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Escape(p.Name, p.Value!)}")
            .ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }

    public static string? Number(long? v) => v?.ToString(CultureInfo.InvariantCulture);

    public static string? Number(double? v, string format = "R") => v?.ToString(format, CultureInfo.InvariantCulture);

    private static string Escape(string name, string value) =>
        name == CompareView.Names.Runs
            ? string.Join(',', value.Split(',').Select(Uri.EscapeDataString))
            : Uri.EscapeDataString(value);
}
