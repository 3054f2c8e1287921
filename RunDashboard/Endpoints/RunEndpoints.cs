using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RunDashboard.Configuration;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Security;

namespace RunDashboard.Endpoints;

/// <summary>Read-only JSON/CSV views of runs and series for scripts and notebooks.</summary>
public static class RunEndpoints
{
    public static void MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs", ListRuns);
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
        app.MapDelete("/api/runs/{id}", (string id, RunStore store) =>
                store.DeleteRun(id) ? Results.NoContent() : ApiProblems.NotFound($"no run with id '{id}'"))
            .RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
        // Counts, and bytes by kind: series (encoded chunks), their pyramids, raw uploads kept for re-parsing, other.
        app.MapGet("/api/stats", (RunStore store) =>
        {
            var s = store.Stats();
            return Results.Ok(new
            {
                s.Runs, s.Points, s.SeriesChunks, s.SeriesBytes, s.Uploads, s.RejectedUploads, s.UploadBytesReceived, s.UploadBytesStored,
                s.DatabaseFileBytes, s.LogFileBytes, bytesByKind = store.MeasureBytes(),
                // Uploads whose bytes are still beside the database, being compressed into it (not in uploadBytesStored yet).
                uploadsPending = store.Uploads.PendingCount,
            });
        });
        // A full copy of everything (raw uploads included) is heavy to make: it is a write-level action.
        app.MapGet("/api/export", ExportAsync).RequireAuthorization(AccessPolicies.Write);
    }

    private static async Task<IResult> ExportAsync(RunStore store, UploadTempFolder temp, HttpContext http)
    {
        var path = temp.NewFile();
        try
        {
            await Task.Run(() => store.ExportTo(path), http.RequestAborted);
        }
        catch (NotSupportedException ex)
        {
            // A PostgreSQL store has no file to copy: the answer says how to back it up instead.
            UploadTempFolder.TryDelete(path);
            return Results.Problem(title: "Export is for the LiteDB file", detail: ex.Message, statusCode: StatusCodes.Status501NotImplemented);
        }
        catch
        {
            UploadTempFolder.TryDelete(path);
            UploadTempFolder.TryDelete(Path.ChangeExtension(path, null) + "-log.upload");
            throw;
        }
        // The copy is deleted once it has been sent (or the client went away).
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        return Results.Stream(file, "application/octet-stream", $"rundashboard-{DateTime.UtcNow:yyyyMMdd-HHmmss}.db");
    }

    private static IResult GetSeries(string id, string? key, string? format, int? points, long? from, long? to, RunStore store, IOptions<LimitsOptions> limits)
    {
        if (points is < 1) return ApiProblems.BadRequest("Bad points", "points must be a positive number of buckets");
        if (points > limits.Value.MaxPointsPerResponse) return PointsOverLimit(points.Value, limits.Value);
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
        // A bucketed read combines the pyramid's block summaries and decodes at most the chunks at the range's two ends (RunStore.GetBuckets).
        if (points is { } n && !string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Ok(BucketsDto.From(store.GetBuckets(run, key, n, from, to)!));
        }
        if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            var fileName = SafeFileName($"{run.Name}-{key}") + ".csv";
            return Results.Stream(body => WriteCsvAsync(body, store, id, key, from, to), "text/csv", fileName);
        }
        return Results.Stream(body => WriteJsonAsync(body, store, id, key, from, to), "application/json; charset=utf-8");
    }

    /// <summary>A run name is user text: only letters, digits, dot, dash and underscore reach the download's file name.</summary>
    private static string SafeFileName(string text)
    {
        var safe = new string(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()).Trim('.');
        return safe.Length == 0 ? "series" : safe.Length > 100 ? safe[..100] : safe;
    }

    private static IResult PointsOverLimit(int points, LimitsOptions limits) =>
        ApiProblems.BadRequest("Too many points", $"points={points:N0} is over Limits:MaxPointsPerResponse ({limits.MaxPointsPerResponse:N0}); " +
            "leave points out to download the whole series (it streams)");

    /// <summary>A whole series as <c>step,value</c> lines, one stored chunk at a time: memory stays flat whatever its size.</summary>
    private static async Task WriteCsvAsync(Stream body, RunStore store, string id, string key, long? from, long? to)
    {
        var text = new StringBuilder(256 * 1024);
        text.Append("step,value\n");
        foreach (var chunk in store.StreamChunks(id, key, from, to))
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                if (from is { } f && chunk.Steps[i] < f || to is { } t && chunk.Steps[i] > t) continue;
                text.Append(chunk.Steps[i].ToString(CultureInfo.InvariantCulture)).Append(',')
                    .Append(chunk.Values[i].ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            }
            await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
            text.Clear();
        }
        if (text.Length > 0) await body.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary><c>{"key","steps":[…],"values":[…]}</c> written chunk by chunk: steps in one pass over the chunks, values in a second.</summary>
    private static async Task WriteJsonAsync(Stream body, RunStore store, string id, string key, long? from, long? to)
    {
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { SkipValidation = true });
        json.WriteStartObject();
        json.WriteString("key", key);
        json.WriteStartArray("steps");
        foreach (var chunk in store.StreamChunks(id, key, from, to))
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                if (InRange(chunk.Steps[i], from, to)) json.WriteNumberValue(chunk.Steps[i]);
            }
            await json.FlushAsync();
        }
        json.WriteEndArray();
        json.WriteStartArray("values");
        foreach (var chunk in store.StreamChunks(id, key, from, to))
        {
            for (var i = 0; i < chunk.Count; i++)
            {
                if (!InRange(chunk.Steps[i], from, to)) continue;
                var v = chunk.Values[i];
                // Named literals, as the rest of the API writes them (AllowNamedFloatingPointLiterals).
                if (double.IsFinite(v)) json.WriteNumberValue(v);
                else json.WriteStringValue(double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
            }
            await json.FlushAsync();
        }
        json.WriteEndArray();
        json.WriteEndObject();
        await json.FlushAsync();
    }

    private static bool InRange(long step, long? from, long? to) => (from is null || step >= from) && (to is null || step <= to);

    /// <summary>One metric of several runs at once, downsampled: what a compare chart asks for.</summary>
    private static IResult GetCompareSeries(string? runs, string? key, int? points, long? from, long? to, RunStore store, IOptions<LimitsOptions> limits)
    {
        if (string.IsNullOrWhiteSpace(runs) || string.IsNullOrWhiteSpace(key))
        {
            return ApiProblems.BadRequest("Missing runs or key", "use ?runs=<id>,<id>&key=<metric>[&points=N&from=S&to=S]");
        }
        if (points is < 1) return ApiProblems.BadRequest("Bad points", "points must be a positive number of buckets");
        if (points > limits.Value.MaxPointsPerResponse) return PointsOverLimit(points.Value, limits.Value);
        var ids = runs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (ids.Length > limits.Value.MaxRunsPerRequest)
        {
            return ApiProblems.BadRequest("Too many runs", $"{ids.Length:N0} runs, over Limits:MaxRunsPerRequest ({limits.Value.MaxRunsPerRequest:N0})");
        }
        var result = new List<object>();
        foreach (var id in ids)
        {
            var run = store.GetRun(id);
            if (run is null) return ApiProblems.NotFound($"no run with id '{id}'");
            if (store.GetBuckets(run, key, points ?? 1000, from, to) is not { } series) continue;
            result.Add(new { run = id, series = BucketsDto.From(series) });
        }
        return Results.Ok(result);
    }

    /// <summary>Runs per page of <c>GET /api/runs</c> unless the request says otherwise, and the most it may ask for.</summary>
    public const int DefaultRunsPageSize = 100, MaxRunsPageSize = 1000;

    /// <summary>
    /// Every run, newest first, a page at a time: the body is the same JSON array as ever, and a <c>Link</c> header
    /// (<c>rel="next"</c>, as GitHub's API pages) names the next page while there is one, with the total in
    /// <c>X-Total-Count</c>. <c>?all=true</c> streams every run in one answer, written as it is enumerated from the
    /// in-memory catalog, so even that never reads a run document from the store.
    /// </summary>
    private static IResult ListRuns(RunCatalog catalog, HttpContext http, int? page, int? pageSize, bool? all)
    {
        if (page is < 0) return ApiProblems.BadRequest("Bad page", "page counts from 0 and must be 0 or more");
        if (pageSize is < 1 or > MaxRunsPageSize)
        {
            return ApiProblems.BadRequest("Bad pageSize", $"pageSize must be 1 to {MaxRunsPageSize:N0}; use ?all=true for every run in one streamed answer");
        }
        var query = new RunQuery { SortBy = "created", Descending = true, Page = page ?? 0, PageSize = pageSize ?? DefaultRunsPageSize };
        if (all == true)
        {
            if (page is not null || pageSize is not null) return ApiProblems.BadRequest("all with paging", "use either ?all=true or page/pageSize, not both");
            return Results.Ok(StreamRuns(catalog.Query(query with { Page = 0, PageSize = int.MaxValue }).Items, http.RequestAborted));
        }
        var result = catalog.Query(query);
        http.Response.Headers["X-Total-Count"] = result.Total.ToString(CultureInfo.InvariantCulture);
        var links = new List<string>();
        string Link(int p, string rel) => $"<{http.Request.PathBase}/api/runs?page={p}&pageSize={query.PageSize}>; rel=\"{rel}\"";
        if ((long)(query.Page + 1) * query.PageSize < result.Total) links.Add(Link(query.Page + 1, "next"));
        if (query.Page > 0) links.Add(Link(Math.Min(query.Page - 1, Math.Max(0, (result.Total - 1) / query.PageSize)), "prev"));
        if (links.Count > 0) http.Response.Headers.Link = string.Join(", ", links);
        return Results.Ok(result.Items.Select(i => RunSummaryDto.From(i)));
    }

    private static async IAsyncEnumerable<RunSummaryDto> StreamRuns(IReadOnlyList<RunListItem> runs,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 0; i < runs.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The serializer sends what it has written whenever the next item is not ready at once: giving the thread
            // up every thousand runs lets the answer go out in pieces while the rest is written.
            if (i > 0 && i % 1000 == 0) await Task.Yield();
            yield return RunSummaryDto.From(runs[i]);
        }
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

    /// <summary>The same summary from the catalog's row: the state is the one stored at import, as before.</summary>
    public static RunSummaryDto From(RunListItem r) => new(r.Id, r.Name, r.Project, SourceName(r.Source), r.StoredState, r.Tags, r.CreatedAt,
        r.Metrics, r.Steps, r.LastTrainLoss);

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
