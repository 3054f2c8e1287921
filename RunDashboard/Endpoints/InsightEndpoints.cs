using RunDashboard.Core.Services;

namespace RunDashboard.Endpoints;

/// <summary>Insights computed from stored runs: where a loss curve ends.</summary>
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
    }
}
