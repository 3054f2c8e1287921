namespace RunDashboard.Core.Services;

/// <summary>What the user may say about an upload: the project, the run's name, tags. All optional.</summary>
public sealed record UploadOptions(string? Project = null, string? Name = null, IReadOnlyList<string>? Tags = null, Ingest.ReadingHints? Hints = null)
{
    public const string DefaultProject = "uploads";

    /// <summary>Splits "a, b,,c" into tags, dropping blanks and repeats.</summary>
    public static IReadOnlyList<string> ParseTags(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
}
