namespace RunDashboard.Core.Model;

/// <summary>One training run as the dashboard knows it: identity, metadata and an index of its metric series.</summary>
public sealed class Run
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Project { get; set; } = "";
    public RunSource Source { get; set; }
    public string State { get; set; } = RunStates.Finished;
    public List<string> Tags { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Format the series were parsed from (e.g. <c>mlx-lm</c>), or <c>wandb</c> for synced runs.</summary>
    public string Format { get; set; } = "";

    /// <summary>Where the run lives at its source (the W&amp;B run page for synced runs).</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>Where a synced run lives in W&amp;B and how far the sync got; null for uploads.</summary>
    public WandbRunInfo? Wandb { get; set; }

    /// <summary>Uploads (by id) whose bytes produced this run, so it can be re-parsed.</summary>
    public List<string> UploadIds { get; set; } = [];
    public List<Hyperparameter> Hyperparameters { get; set; } = [];
    public List<SummaryValue> Summary { get; set; } = [];
    public List<MetricInfo> Metrics { get; set; } = [];
    public List<RunEvent> Events { get; set; } = [];

    /// <summary>Bumped on every change of the run's data; caches key on it.</summary>
    public int DataVersion { get; set; }

    public MetricInfo? FindMetric(string key) => Metrics.Find(m => m.Key == key);

    public string? FindHyperparameter(string key) => Hyperparameters.Find(h => h.Key == key)?.Value;

    /// <summary>Largest step seen in any series: how far the run got.</summary>
    public long Steps => Metrics.Count == 0 ? 0 : Metrics.Max(m => m.LastStep);
}
