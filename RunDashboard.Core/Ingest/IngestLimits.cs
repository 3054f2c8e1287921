namespace RunDashboard.Core.Ingest;

/// <summary>
/// What one file may cost while it is read; bound from the same <c>Limits</c> section as the web limits. A file
/// over a limit fails with a message naming it, and nothing of it is stored.
/// </summary>
public sealed class IngestLimits
{
    public const string Section = "Limits";

    /// <summary>Longest line a reader keeps; longer ones are reported and skipped.</summary>
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    public int MaxSeriesPerRun { get; set; } = 10_000;

    public long MaxPointsPerRun { get; set; } = 1_000_000_000;

    /// <summary>Largest JSON document read whole into memory (trainer_state.json, settings).</summary>
    public long MaxJsonBytesInMemory { get; set; } = 64L * 1024 * 1024;
}
