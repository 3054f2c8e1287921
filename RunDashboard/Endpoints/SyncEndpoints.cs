using RunDashboard.Core.WandB;
using RunDashboard.Security;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /api/sync</c> and <c>GET /api/sync</c>: W&amp;B syncs for scripts. The API key is never part of any answer.</summary>
public static class SyncEndpoints
{
    public sealed record SyncRequest(IReadOnlyList<string>? Projects, bool Force = false);

    public static void MapSyncEndpoints(this IEndpointRouteBuilder app)
    {
        // Only application/json: a cross-site HTML form can send text/plain or form encodings, never JSON, without a preflight.
        app.MapPost("/api/sync", async (HttpRequest http, WandbSyncRunner runner, CancellationToken cancellationToken) =>
        {
            SyncRequest? request = null;
            if (http.ContentLength > 0 || http.Headers.TransferEncoding.Count > 0)
            {
                if (!http.HasJsonContentType())
                {
                    return Results.Problem(title: "Expected JSON", statusCode: StatusCodes.Status415UnsupportedMediaType,
                        detail: "send {\"projects\":[\"entity/project\"],\"force\":false} with Content-Type: application/json");
                }
                try
                {
                    request = await http.ReadFromJsonAsync<SyncRequest>(cancellationToken);
                }
                catch (System.Text.Json.JsonException ex)
                {
                    return ApiProblems.BadRequest("Invalid JSON", $"expected {{\"projects\":[\"entity/project\"]}}: {ex.Message}");
                }
            }
            else if (http.ContentType is { Length: > 0 } && !http.HasJsonContentType())
            {
                return Results.Problem(title: "Expected JSON", statusCode: StatusCodes.Status415UnsupportedMediaType,
                    detail: "send {\"projects\":[\"entity/project\"],\"force\":false} with Content-Type: application/json");
            }
            var projects = request?.Projects is { Count: > 0 } p ? p : runner.Projects;
            if (projects.Count == 0)
            {
                return ApiProblems.BadRequest("No projects", "send {\"projects\":[\"entity/project\"]} or configure WandB:Projects");
            }
            var bad = projects.Where(x => WandbSync.ParseProject(x) is null).ToList();
            if (bad.Count > 0) return ApiProblems.BadRequest("Bad project", $"not entity/project: {string.Join(", ", bad)}");
            var results = await runner.SyncAsync(projects, request?.Force ?? false, cancellationToken);
            return Results.Ok(new { projects = results });
        }).DisableAntiforgery().RequireAuthorization(AccessPolicies.Write).AddEndpointFilter<SameOriginFilter>();
        app.MapGet("/api/sync", (WandbSyncRunner runner) => Results.Ok(new
        {
            apiKeyConfigured = runner.HasApiKey,
            baseUrl = runner.BaseUrl,
            running = runner.Current,
            projects = runner.Projects.Select(p => new { project = p, last = runner.LastResult(p) }),
        }));
    }
}
