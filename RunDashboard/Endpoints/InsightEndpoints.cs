using System.Globalization;
using RunDashboard.Core.Services;

namespace RunDashboard.Endpoints;

/// <summary>Insights computed from stored runs: where a loss curve ends, when runs reached a target, which line a point came from.</summary>
public static class InsightEndpoints
{
    public static void MapInsightEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/runs/{id}/forecast", (string id, string? key, ForecastService forecasts) =>
        {
            var answer = forecasts.Forecast(id, string.IsNullOrWhiteSpace(key) ? "eval/loss" : key);
            if (answer.Forecast is not { } f) return ApiProblems.NotFound(answer.Problem ?? "no forecast");
            return Results.Ok(new
            {
                key = f.Key, atStep = f.AtStep, predicted = f.Predicted, low = f.Low, high = f.High,
                eta = f.Eta, etaText = f.EtaText, etaFrom = f.EtaFrom, model = f.Model, formula = f.Formula,
                totalFrom = f.TotalFrom, lastStep = f.LastStep, lastValue = f.LastValue, points = f.Points,
            });
        });
        app.MapGet("/api/runs/{id}/provenance", (string id, string? key, long? step, ProvenanceService provenance) =>
        {
            if (string.IsNullOrWhiteSpace(key) || step is null) return ApiProblems.BadRequest("Missing key or step", "give the point as ?key=train/loss&step=100");
            var answer = provenance.Find(id, key, step.Value);
            if (answer.Line is not { } line) return ApiProblems.NotFound(answer.Problem ?? "no line found");
            return Results.Ok(new
            {
                file = answer.File, line = line.Line, text = line.Text, method = answer.Method,
                context = answer.Context.Select(c => new { line = c.Line, text = c.Text }),
            });
        });
        app.MapGet("/api/compare/seed-noise", (string? runs, string? key, SeedNoiseService seeds) =>
        {
            var ids = (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var metric = string.IsNullOrWhiteSpace(key) ? "eval/loss" : key;
            if (seeds.Analyse(ids, metric) is not { } result) return ApiProblems.NotFound("no such runs; use ?runs=<id>,<id>");
            return Results.Ok(new
            {
                key = metric,
                groups = result.Groups.Select(g => new { settings = g.Settings, runs = g.Runs, seeds = g.Seeds, finals = g.Finals, mean = g.Mean, stdDev = g.StdDev, range = g.Range }),
                comparisons = result.Comparisons.Select(c => new { a = c.GroupA, b = c.GroupB, difference = c.Difference, noise = c.Noise, significant = c.Significant, verdict = c.Verdict }),
            });
        });
        app.MapGet("/api/compare/to-target", (string? runs, string? key, string? target, string? better, ForecastService forecasts) =>
        {
            var ids = (runs ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (ids.Length == 0) return ApiProblems.BadRequest("Missing runs", "give the runs as ?runs=<id>,<id>");
            if (!double.TryParse(target, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                return ApiProblems.BadRequest("Bad target", "give the target value as a number, e.g. &target=1.5");
            }
            if (better is not (null or "lower" or "higher")) return ApiProblems.BadRequest("Bad better", "better is 'lower' (the default, for losses) or 'higher'");
            var metric = string.IsNullOrWhiteSpace(key) ? "eval/loss" : key;
            var views = forecasts.ToTarget(ids, metric, value, better != "higher");
            if (views.Count == 0) return ApiProblems.NotFound("no such runs; use ?runs=<id>,<id>");
            return Results.Ok(new
            {
                key = metric, target = value,
                runs = views.Select(v => new
                {
                    id = v.Id, name = v.Name, reached = v.Reached, status = v.Reached ? "reached" : "not reached",
                    step = v.Step, value = v.Value,
                    tokens = v.Reached ? v.Tokens : null, seconds = v.Reached ? v.Seconds : null, wallTime = v.Reached ? v.WallTime : null,
                    estimatedStep = v.EstimatedStep, estimatedTokens = v.Reached ? null : v.Tokens,
                    estimatedSeconds = v.Reached ? null : v.Seconds, estimatedWallTime = v.Reached ? null : v.WallTime, note = v.Note,
                }),
            });
        });
    }
}
