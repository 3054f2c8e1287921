using System.Globalization;
using System.Text;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Endpoints;

/// <summary>Read-only JSON/CSV views of runs and series for scripts and notebooks.</summary>
public static class RunEndpoints
{
    public static void MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs", (RunStore store) => store.ListRuns().Select(RunSummaryDto.From));
        app.MapGet("/api/runs/{id}", (string id, RunStore store) =>
            store.GetRun(id) is { } run ? Results.Ok(RunDetailDto.From(run)) : ApiProblems.NotFound($"no run with id '{id}'"));
        app.MapGet("/api/runs/{id}/series", GetSeries);
        app.MapGet("/api/series", GetCompareSeries);
        app.MapGet("/api/compare/report", (string? runs, RunStore store, HealthService health, HttpRequest request) =>
        {
            var ids = (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var found = ids.Select(store.GetRun).OfType<Run>().ToList();
            if (found.Count == 0) return ApiProblems.NotFound("no such runs; use ?runs=<id>,<id>");
            var link = $"{request.Scheme}://{request.Host}{request.PathBase}/compare?runs={string.Join(',', found.Select(r => r.Id))}";
            var markdown = ComparisonReport.Markdown(found, found.Select(health.Findings).ToList(), link);
            return Results.File(Encoding.UTF8.GetBytes(markdown), "text/markdown; charset=utf-8", "comparison_report.md");
        });
        app.MapGet("/api/runs/{id}/findings", (string id, RunStore store, HealthService health) =>
            store.GetRun(id) is { } run
                ? Results.Ok(health.Findings(run).Select(f => new
                {
                    rule = f.Rule, severity = f.Severity.ToString().ToLowerInvariant(), step = f.Step, metric = f.Metric,
                    message = f.Message, evidence = f.Evidence, why = f.Why,
                }))
                : ApiProblems.NotFound($"no run with id '{id}'"));
        app.MapGet("/api/runs/query", QueryRuns);
    }

    private static IResult GetSeries(string id, string? key, string? format, int? points, long? from, long? to, RunStore store)
    {
        if (points is < 1) return ApiProblems.BadRequest("Bad points", "points must be a positive number of buckets");
        var run = store.GetRun(id);
        if (run is null) return ApiProblems.NotFound($"no run with id '{id}'");
        if (string.IsNullOrWhiteSpace(key))
        {
            return ApiProblems.BadRequest("Missing key", $"add ?key=<metric>; this run has: {string.Join(", ", run.Metrics.Select(m => m.Key))}");
        }
        if (run.FindMetric(key) is null)
        {
            return ApiProblems.NotFound($"run '{id}' has no metric '{key}'; it has: {string.Join(", ", run.Metrics.Select(m => m.Key))}");
        }
        // A bucketed read touches the chunks bucket edges cut, not the whole series (RunStore.GetBuckets).
        if (points is { } n && !string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Ok(BucketsDto.From(store.GetBuckets(run, key, n, from, to)!));
        }
        var series = store.GetSeries(id, key, from, to)!;
        if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            var csv = new StringBuilder("step,value\n");
            for (var i = 0; i < series.Count; i++)
            {
                csv.Append(series.Steps[i].ToString(CultureInfo.InvariantCulture)).Append(',')
                   .Append(series.Values[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
            var fileName = $"{run.Name}-{key.Replace('/', '_')}.csv";
            return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", fileName);
        }
        return Results.Ok(new { key = series.Key, steps = series.Steps, values = series.Values });
    }

    /// <summary>One metric of several runs at once, downsampled: what a compare chart asks for.</summary>
    private static IResult GetCompareSeries(string? runs, string? key, int? points, long? from, long? to, RunStore store)
    {
        if (string.IsNullOrWhiteSpace(runs) || string.IsNullOrWhiteSpace(key))
        {
            return ApiProblems.BadRequest("Missing runs or key", "use ?runs=<id>,<id>&key=<metric>[&points=N&from=S&to=S]");
        }
        var result = new List<object>();
        foreach (var id in runs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var run = store.GetRun(id);
            if (run is null) return ApiProblems.NotFound($"no run with id '{id}'");
            if (store.GetBuckets(run, key, points ?? 1000, from, to) is not { } series) continue;
            result.Add(new { run = id, series = BucketsDto.From(series) });
        }
        return Results.Ok(result);
    }

    private static RunPageDto QueryRuns(RunCatalog catalog, string? q, string? project, string? source, string? state, string? method,
        string? tag, string? sort, bool? desc, int? page, int? pageSize)
    {
        var result = catalog.Query(new RunQuery
        {
            Text = q, Project = project, Source = source, State = state, Method = method, Tag = tag,
            SortBy = sort ?? "created", Descending = desc ?? true, Page = Math.Max(0, page ?? 0), PageSize = Math.Clamp(pageSize ?? 50, 1, 1000),
        });
        return new RunPageDto(result.Items.Select(i => new RunListItemDto(i.Id, i.Name, i.Project, RunFilter.SourceName(i.Source), i.State,
            i.Tags, i.Method, i.Steps, i.FinalTrainLoss, i.FinalEvalLoss, i.CreatedAt)).ToList(), result.Total);
    }
}

public sealed record RunListItemDto(string Id, string Name, string Project, string Source, string State, IReadOnlyList<string> Tags,
    string Method, long Steps, double? FinalTrainLoss, double? FinalEvalLoss, DateTime CreatedAt);

public sealed record RunPageDto(IReadOnlyList<RunListItemDto> Items, int Total);

/// <summary>A downsampled series on the wire: last value, min and max per bucket, and how many points the range held.</summary>
public sealed record BucketsDto(string Key, long[] Steps, double[] Values, double[] Min, double[] Max, long Total, long[] NonFinite)
{
    public static BucketsDto From(DownsampledSeries s) => new(s.Key, s.Steps, s.Values, s.Min, s.Max, s.Total, s.NonFiniteSteps);
}

public sealed record RunSummaryDto(
    string Id, string Name, string Project, string Source, string State, IReadOnlyList<string> Tags,
    DateTime CreatedAt, IReadOnlyList<string> Metrics, long Steps, double? LastTrainLoss)
{
    public static RunSummaryDto From(Run r) => new(r.Id, r.Name, r.Project, SourceName(r.Source), r.State, r.Tags, r.CreatedAt,
        r.Metrics.Select(m => m.Key).ToList(), r.Steps, r.FindMetric(MetricKeys.TrainLoss)?.LastValue);

    public static string SourceName(RunSource source) => source == RunSource.Wandb ? "wandb" : "upload";
}

public sealed record RunDetailDto(
    string Id, string Name, string Project, string Source, string State, IReadOnlyList<string> Tags,
    DateTime CreatedAt, DateTime UpdatedAt, string Format, long Steps,
    IReadOnlyDictionary<string, string> Hyperparameters, IReadOnlyDictionary<string, double> Summary,
    IReadOnlyList<MetricInfo> Metrics, IReadOnlyList<RunEvent> Events, IReadOnlyList<string> UploadIds)
{
    public static RunDetailDto From(Run r) => new(r.Id, r.Name, r.Project, RunSummaryDto.SourceName(r.Source), r.State, r.Tags,
        r.CreatedAt, r.UpdatedAt, r.Format, r.Steps,
        r.Hyperparameters.ToDictionary(h => h.Key, h => h.Value),
        r.Summary.ToDictionary(s => s.Key, s => s.Value),
        r.Metrics, r.Events, r.UploadIds);
}
