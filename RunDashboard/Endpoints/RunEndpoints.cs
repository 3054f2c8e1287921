using System.Globalization;
using System.Text;
using RunDashboard.Core.Model;
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
    }

    private static IResult GetSeries(string id, string? key, string? format, RunStore store)
    {
        var run = store.GetRun(id);
        if (run is null) return ApiProblems.NotFound($"no run with id '{id}'");
        if (string.IsNullOrWhiteSpace(key))
        {
            return ApiProblems.BadRequest("Missing key", $"add ?key=<metric>; this run has: {string.Join(", ", run.Metrics.Select(m => m.Key))}");
        }
        var series = run.FindMetric(key) is null ? null : store.GetSeries(id, key);
        if (series is null)
        {
            return ApiProblems.NotFound($"run '{id}' has no metric '{key}'; it has: {string.Join(", ", run.Metrics.Select(m => m.Key))}");
        }
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
