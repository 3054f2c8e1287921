namespace RunDashboard.Core.Model;

/// <summary>Where a run came from: a log someone uploaded, or a W&amp;B run mirrored by the sync.</summary>
public enum RunSource
{
    Upload,
    Wandb,
}
