namespace RunDashboard.Core.WandB;

/// <summary>What one sync of one project did.</summary>
public sealed record ProjectSyncResult
{
    public required string Project { get; init; }
    public int Runs { get; init; }
    public int NewRuns { get; init; }
    public int UpdatedRuns { get; init; }
    public int DeletedRuns { get; init; }
    public long NewPoints { get; init; }
    public long Requests { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];
    public DateTime FinishedAt { get; init; }
    public double Seconds { get; init; }
}

/// <summary>Live progress of a sync, for the progress bar.</summary>
public sealed record SyncProgress(string Project, int RunsDone, int RunsTotal, long PointsFetched);
