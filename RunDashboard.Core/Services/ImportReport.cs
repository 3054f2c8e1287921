using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Services;

/// <summary>The answer to an upload: per file what was found, and the runs now stored.</summary>
public sealed class ImportReport
{
    public required IReadOnlyList<FileReport> Files { get; init; }

    /// <summary>Runs this upload created, or that already held the same bytes.</summary>
    public required IReadOnlyList<Run> Runs { get; init; }

    public bool Succeeded => Runs.Count > 0;

    /// <summary>Why nothing could be imported, naming each file; null when something was.</summary>
    public string? Error => Succeeded ? null : string.Join("; ", Files.Where(f => f.Error is not null).Select(f => f.Error));

    /// <summary>The format of the upload: one name, or several joined when files differ.</summary>
    public string? Format => Files.Select(f => f.Format).Where(f => f is not null).Distinct().ToList() switch
    {
        [] => null,
        var list => string.Join(",", list),
    };

    public IEnumerable<ImportProblem> Problems => Files.SelectMany(f => f.Problems);

    /// <summary>Where the import's time went, so a slow upload says which part was slow.</summary>
    public ImportTimings Timings { get; init; } = new();
}

/// <summary>Seconds spent in each part of one import (the parts run one after another unless said otherwise).</summary>
public sealed class ImportTimings
{
    /// <summary>Hashing the files to find bytes uploaded before (zero when the receiver hashed them on the way in).</summary>
    public double HashSeconds { get; set; }

    /// <summary>Reading the files into series; chunks are encoded and written on another thread meanwhile.</summary>
    public double ParseSeconds { get; set; }

    /// <summary>Keeping the uploaded bytes so they can be parsed again later.</summary>
    public double KeepBytesSeconds { get; set; }

    /// <summary>Waiting for the last chunks, publishing the runs and saving their zoom pyramids.</summary>
    public double CommitSeconds { get; set; }

    public double TotalSeconds { get; set; }

    /// <summary>The file was parsed while its body still arrived (receiving and parsing overlapped).</summary>
    public bool ParsedWhileReceiving { get; set; }
}

/// <summary>One file of an upload.</summary>
public sealed class FileReport
{
    public required string FileName { get; init; }
    public string? UploadId { get; init; }
    public string? Format { get; init; }
    public string? FormatDescription { get; init; }
    public string? FormatReason { get; init; }
    public string? Error { get; init; }

    /// <summary>The same bytes were uploaded before; nothing new was stored.</summary>
    public bool Duplicate { get; init; }

    /// <summary>Set when this file is an earlier upload grown longer: its runs were updated in place.</summary>
    public string? ContinuesUploadId { get; init; }
    public IReadOnlyList<string> RunIds { get; init; } = [];
    public IReadOnlyList<ImportProblem> Problems { get; init; } = [];
    public long ProblemCount { get; init; }
    public long LinesRead { get; init; }
    public long LinesRepaired { get; init; }
    public LineCounts Lines { get; init; } = new(0, 0, 0);
    public IReadOnlyList<string> Notes { get; init; } = [];
    public IReadOnlyList<Ingest.Generic.TemplateReading> Readings { get; init; } = [];
}
