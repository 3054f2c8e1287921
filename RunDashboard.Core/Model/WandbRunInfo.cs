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

    /// <summary>Last history step stored; -1 before any.</summary>
    public long LastStep { get; set; } = -1;

    /// <summary>The run had finished and every step W&amp;B reported was stored: its history is not fetched again.</summary>
    public bool HistoryComplete { get; set; }
    public DateTime SyncedAt { get; set; }

    public string Path => $"{Entity}/{Project}/{Name}";
}
