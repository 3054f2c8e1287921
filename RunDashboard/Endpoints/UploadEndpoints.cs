using RunDashboard.Core.Services;

namespace RunDashboard.Endpoints;

/// <summary><c>POST /api/uploads</c>: what a training script's <c>curl -F file=@train.log</c> talks to.</summary>
public static class UploadEndpoints
{
    public static void MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/uploads", UploadAsync).DisableAntiforgery();
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

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
