using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /api/uploads</c>: what a training script's <c>curl -F file=@train.log</c> talks to.</summary>
public static class UploadEndpoints
{
    public static void MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/uploads", UploadAsync).DisableAntiforgery();
        app.MapGet("/api/uploads", (RunStore store) => store.Uploads.List().Select(u => new
        {
            id = u.Id, fileName = u.FileName, sha256 = u.Sha256, size = u.Size, uploadedAt = u.UploadedAt,
            status = u.Status, format = u.Format, error = u.Error, runs = u.RunIds,
        }));
        app.MapPost("/api/uploads/reimport", ReimportAsync).DisableAntiforgery();
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, ImportService imports, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Expected a multipart form",
                "Send the log as multipart/form-data with one or more 'file' fields, e.g. curl -F file=@train.log http://localhost:5000/api/uploads");
        }
        var form = await request.ReadFormAsync(cancellationToken);
        var files = form.Files.GetFiles("file");
        if (files.Count == 0)
        {
            var other = form.Files.Count > 0 ? $" (got field '{form.Files[0].Name}')" : "";
            return ApiProblems.BadRequest("No file", $"The form has no 'file' field{other}; send the log as -F file=@train.log");
        }
        var options = new UploadOptions(
            Project: Clean(form["project"]),
            Name: Clean(form["name"]),
            Tags: UploadOptions.ParseTags(form["tags"]));
        var uploads = files.Select(f => new UploadFile(f.FileName, f.OpenReadStream)).ToList();
        var report = await imports.ImportAsync(uploads, options, cancellationToken);
        var body = UploadResponse.From(report, request);
        if (!report.Succeeded)
        {
            return ApiProblems.BadRequest("Nothing could be imported", report.Error ?? "no runs found",
                new Dictionary<string, object?> { ["files"] = body.Files, ["problems"] = body.Problems });
        }
        var status = report.Files.All(f => f.Duplicate) ? StatusCodes.Status200OK : StatusCodes.Status201Created;
        return Results.Json(body, statusCode: status);
    }

    /// <summary>
    /// Parses stored uploads again with today's parsers: all of them, or those named in
    /// <c>{"uploads":["id", …]}</c>. Runs keep their ids, so links pasted earlier still open them.
    /// </summary>
    private static async Task<IResult> ReimportAsync(HttpRequest request, ImportService imports, RunStore store, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? ids = null;
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            try
            {
                var body = await request.ReadFromJsonAsync<ReimportRequest>(cancellationToken);
                ids = body?.Uploads;
            }
            catch (System.Text.Json.JsonException ex)
            {
                return ApiProblems.BadRequest("Invalid JSON", $"expected {{\"uploads\":[\"id\", …]}} or no body: {ex.Message}");
            }
        }
        var unknown = ids?.Where(id => store.Uploads.Get(id) is null).ToList() ?? [];
        if (unknown.Count > 0) return ApiProblems.NotFound($"no upload with id {string.Join(", ", unknown.Select(u => $"'{u}'"))}");
        var report = await imports.ReimportAsync(ids, cancellationToken);
        return Results.Ok(UploadResponse.From(report, request));
    }

    private sealed record ReimportRequest(IReadOnlyList<string>? Uploads);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
