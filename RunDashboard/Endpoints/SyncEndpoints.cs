using RunDashboard.Core.WandB;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /api/sync</c> and <c>GET /api/sync</c>: W&amp;B syncs for scripts. The API key is never part of any answer.</summary>
public static class SyncEndpoints
{
    public sealed record SyncRequest(IReadOnlyList<string>? Projects, bool Force = false);

    public static void MapSyncEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sync", async (SyncRequest? request, WandbSyncRunner runner, CancellationToken cancellationToken) =>
        {
            var projects = request?.Projects is { Count: > 0 } p ? p : runner.Projects;
            if (projects.Count == 0)
            {
                return ApiProblems.BadRequest("No projects", "send {\"projects\":[\"entity/project\"]} or configure WandB:Projects");
            }
            var bad = projects.Where(x => WandbSync.ParseProject(x) is null).ToList();
            if (bad.Count > 0) return ApiProblems.BadRequest("Bad project", $"not entity/project: {string.Join(", ", bad)}");
            var results = await runner.SyncAsync(projects, request?.Force ?? false, cancellationToken);
            return Results.Ok(new { projects = results });
        });
        app.MapGet("/api/sync", (WandbSyncRunner runner) => Results.Ok(new
        {
            apiKeyConfigured = runner.HasApiKey,
            baseUrl = runner.BaseUrl,
            running = runner.Current,
            projects = runner.Projects.Select(p => new { project = p, last = runner.LastResult(p) }),
        }));
    }
}
