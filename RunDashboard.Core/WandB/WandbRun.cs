using System.Text.Json;

namespace RunDashboard.Core.WandB;

/// <summary>One run as W&amp;B's run listing describes it (the RunFragment of wandb-api.md).</summary>
public sealed record WandbRun
{
    public required string Name { get; init; }
    public string? DisplayName { get; init; }
    public string State { get; init; } = "";
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Group { get; init; }
    public string? JobType { get; init; }
    public string? Notes { get; init; }
    public string? User { get; init; }
    public DateTime? CreatedAt { get; init; }
    public DateTime? HeartbeatAt { get; init; }

    /// <summary>The <c>config</c> JSON string, parsed.</summary>
    public JsonElement Config { get; init; }

    /// <summary>The <c>summaryMetrics</c> JSON string, parsed.</summary>
    public JsonElement Summary { get; init; }

    /// <summary>Last logged step per <c>historyKeys.lastStep</c>; null when W&amp;B did not say (runs logged by old clients).</summary>
    public long? LastStep { get; init; }

    /// <summary>How many history rows W&amp;B holds for the run (<c>historyLineCount</c>); null when it did not say.</summary>
    public long? HistoryLineCount { get; init; }

    /// <summary>Parts of the run's description that could not be read (a config or summary that is not JSON), in words.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}

public sealed record WandbRunsPage(IReadOnlyList<WandbRun> Runs, string? EndCursor, bool HasNextPage, int? RunCount);
