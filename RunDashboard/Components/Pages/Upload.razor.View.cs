using System.Text.Json;
using RunDashboard.Endpoints;

namespace RunDashboard.Components.Pages;

/// <summary>The upload form's report, read from the JSON answer of <c>POST /api/uploads</c>.</summary>
public sealed record UploadView(
    bool Succeeded, IReadOnlyList<UploadResponse.FileResult> Files, IReadOnlyList<UploadResponse.RunLink> Runs, IReadOnlyList<UploadResponse.Problem> Problems)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private Dictionary<string, UploadResponse.RunLink>? _byId;

    /// <summary>The runs a file made, in the order the answer lists them.</summary>
    public IEnumerable<UploadResponse.RunLink> RunsOf(UploadResponse.FileResult file)
    {
        _byId ??= Runs.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.First());
        return file.Runs.Select(id => _byId.GetValueOrDefault(id)).OfType<UploadResponse.RunLink>();
    }

    public IEnumerable<UploadResponse.Problem> ProblemsOf(UploadResponse.FileResult file) => Problems.Where(p => p.File == file.File);

    /// <summary>
    /// The report and the error to show for an answer: 200/201 carry the report; a 400 for a file nothing could be
    /// read from carries the files with their errors; any other answer is an error named by its problem details.
    /// </summary>
    public static (UploadView? Report, string? Error) FromAnswer(int status, JsonElement? answer)
    {
        if (status is 200 or 201 && answer is { ValueKind: JsonValueKind.Object } ok)
        {
            var body = ok.Deserialize<UploadResponse>(Json) ?? throw new JsonException("the answer is empty");
            return (new UploadView(body.Runs.Count > 0, body.Files, body.Runs, body.Problems), null);
        }
        var title = Text(answer, "title");
        var detail = Text(answer, "detail");
        if (status == 400 && answer is { } bad && bad.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
        {
            var fileResults = files.Deserialize<List<UploadResponse.FileResult>>(Json) ?? [];
            var problems = bad.TryGetProperty("problems", out var p) && p.ValueKind == JsonValueKind.Array
                ? p.Deserialize<List<UploadResponse.Problem>>(Json) ?? []
                : [];
            var report = new UploadView(false, fileResults, [], problems);
            // The files' own errors say what went wrong; the summary is shown only when none does.
            return (report, fileResults.Any(f => f.Error is not null) ? null : Join(title, detail));
        }
        return (null, Join(title, detail) ?? status switch
        {
            401 or 403 => "Uploading needs a token on this dashboard: sign in first.",
            413 => "The upload is larger than the dashboard accepts (Limits:MaxRequestBytes).",
            _ => $"The dashboard answered {status}.",
        });
    }

    private static string? Text(JsonElement? answer, string name) =>
        answer is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Join(string? title, string? detail) =>
        title is null && detail is null ? null : title is null ? detail : detail is null ? title : $"{title}: {detail}";
}
