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
    /// <summary>What stopped a run or the project, in words.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>What was skipped without stopping anything: unreadable rows (run, step, byte), a config that is not JSON.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Finished runs whose stored rows disagree with W&amp;B's <c>historyLineCount</c>, with both numbers; read again next sync.</summary>
    public IReadOnlyList<string> Incomplete { get; init; } = [];

    /// <summary>The round stopped because W&amp;B kept answering 429 past the wait budget; the next round resumes.</summary>
    public bool RateLimited { get; init; }
    public DateTime FinishedAt { get; init; }
    public double Seconds { get; init; }
}

/// <summary>Live progress of a sync, for the progress bar.</summary>
public sealed record SyncProgress(string Project, int RunsDone, int RunsTotal, long PointsFetched);
