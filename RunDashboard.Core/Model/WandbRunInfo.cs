namespace RunDashboard.Core.Model;

/// <summary>A synced run's place in W&amp;B and the sync's bookkeeping for it.</summary>
public sealed class WandbRunInfo
{
    public string Entity { get; set; } = "";
    public string Project { get; set; } = "";

    /// <summary>W&amp;B's short run id (the one in run URLs).</summary>
    public string Name { get; set; } = "";
    public string? Group { get; set; }
    public string? JobType { get; set; }
    public string? User { get; set; }
    public string? Notes { get; set; }
    public DateTime? HeartbeatAt { get; set; }

    /// <summary>Every history step up to this one has been read (stored, or W&amp;B has no row there); -1 before any.</summary>
    public long LastStep { get; set; } = -1;

    /// <summary>History rows stored (a row is one step, whatever metrics it carries).</summary>
    public long HistoryRows { get; set; }

    /// <summary>W&amp;B's <c>historyLineCount</c> at the last sync; null when it did not say.</summary>
    public long? HistoryLineCount { get; set; }

    /// <summary>
    /// The stored history is a faithful copy up to <see cref="LastStep"/>, so a sync may continue after it. False for
    /// history stored before rows were counted, or when rows disagreed with W&amp;B's count: that run is read again whole.
    /// </summary>
    public bool HistoryVerified { get; set; }

    /// <summary>
    /// The run had finished, every step up to W&amp;B's last was read, and the stored rows agree with
    /// <c>historyLineCount</c>: its history is not fetched again.
    /// </summary>
    public bool HistoryComplete { get; set; }
    public DateTime SyncedAt { get; set; }

    public string Path => $"{Entity}/{Project}/{Name}";
}
