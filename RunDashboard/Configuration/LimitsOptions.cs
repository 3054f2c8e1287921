using System.ComponentModel.DataAnnotations;

namespace RunDashboard.Configuration;

/// <summary>
/// Every size and count the dashboard accepts from a client (<c>Limits:*</c>). A request over one is answered
/// 413 (size) or 400 (count, length) with the limit's name, so the sender knows which setting to raise.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest request body, an upload's files together (Kestrel and the form reader enforce it).</summary>
    [Range(1024, long.MaxValue)] public long MaxRequestBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Files in one upload (form fields named <c>file</c>).</summary>
    [Range(1, 100_000)] public int MaxFilesPerUpload { get; set; } = 100;

    /// <summary>
    /// Members of one zip (directories included), read from the central directory before anything is parsed. Today's
    /// zip reader reopens the archive for each member, so its cost grows with the square of the count (8,000 members
    /// took 418 s on a 2-core machine); 1,000 keeps that under about 10 s and is more than a trainer's output folder holds.
    /// </summary>
    [Range(1, 10_000_000)] public int MaxZipEntries { get; set; } = 10_000;

    /// <summary>Sum of the uncompressed sizes the zip's central directory announces.</summary>
    [Range(1024, long.MaxValue)] public long MaxZipUncompressedBytes { get; set; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Uncompressed / compressed size of the zip as a whole; logs compress 5–20×, a zip bomb thousands of times.</summary>
    [Range(1, 1_000_000)] public double MaxCompressionRatio { get; set; } = 200;

    [Range(1, 100_000)] public int MaxNameLength { get; set; } = 200;
    [Range(1, 100_000)] public int MaxProjectLength { get; set; } = 200;
    [Range(1, 100_000)] public int MaxTagLength { get; set; } = 64;
    [Range(0, 100_000)] public int MaxTags { get; set; } = 50;
    [Range(1, 10_000_000)] public int MaxNotesLength { get; set; } = 10_000;

    /// <summary>Buckets one series answer may ask for (<c>points=</c>); full downloads stream instead and are not bounded by it.</summary>
    [Range(1, 10_000_000)] public int MaxPointsPerResponse { get; set; } = 100_000;

    /// <summary>Runs in one compare request (<c>runs=a,b,…</c>).</summary>
    [Range(1, 10_000)] public int MaxRunsPerRequest { get; set; } = 50;

    // Enforced while parsing (Core/Ingest); defined here so every limit has one home and one validation.

    /// <summary>Longest line a reader keeps; longer ones are reported and skipped.</summary>
    [Range(1024, int.MaxValue)] public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <summary>Columns of a CSV row (W&amp;B exports with every config key run to a few thousand).</summary>
    [Range(1, 10_000_000)] public int MaxCsvColumns { get; set; } = 20_000;

    [Range(1, 10_000_000)] public int MaxSeriesPerRun { get; set; } = 10_000;

    [Range(1, long.MaxValue)] public long MaxPointsPerRun { get; set; } = 1_000_000_000;

    /// <summary>Largest JSON document read whole into memory (settings files); bigger ones must be streamed.</summary>
    [Range(1024, long.MaxValue)] public long MaxJsonBytesInMemory { get; set; } = 64L * 1024 * 1024;

    /// <summary>Nesting depth of JSON documents.</summary>
    [Range(1, 10_000)] public int MaxJsonDepth { get; set; } = 64;
}
