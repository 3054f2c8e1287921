namespace RunDashboard.Core.Ingest;

/// <summary>What came out of one file: the detected format and why, the runs found, and the problems met.</summary>
public sealed class FileImport
{
    public required string FileName { get; init; }
    public string? Format { get; init; }
    public string? FormatDescription { get; init; }
    public string? FormatReason { get; init; }

    /// <summary>Why the file could not be used at all; null when it produced runs.</summary>
    public string? Error { get; init; }
    public IReadOnlyList<RunDraft> Runs { get; init; } = [];
    public IReadOnlyList<ImportProblem> Problems { get; init; } = [];
    public long ProblemCount { get; init; }
    public long LinesRead { get; init; }
    public long LinesRepaired { get; init; }

    /// <summary>How the file's lines went: into points, skipped as not metrics, or problems.</summary>
    public LineCounts Lines { get; init; } = new(0, 0, 0);

    /// <summary>What the user should know that is no problem (ranks skipped, runs split, encoding).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Line shapes the generic reader used, with a sample and the keys each produced.</summary>
    public IReadOnlyList<Generic.TemplateReading> Readings { get; init; } = [];

    public bool Succeeded => Error is null;

    public static FileImport Failed(string fileName, string error, string? format = null, IReadOnlyList<ImportProblem>? problems = null) =>
        new() { FileName = fileName, Error = error, Format = format, Problems = problems ?? [], ProblemCount = problems?.Count ?? 0 };
}
