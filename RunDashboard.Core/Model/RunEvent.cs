namespace RunDashboard.Core.Model;

/// <summary>Something that happened at a step: a checkpoint saved, a warning printed, an evaluation.</summary>
public sealed record RunEvent(long Step, string Kind, string Message, int Line = 0)
{
    public const string Checkpoint = "checkpoint";
    public const string Warning = "warning";
    public const string Info = "info";

    /// <summary>Training went on from a checkpoint: the steps from here on replace the ones logged before.</summary>
    public const string Resumed = "resumed";
}
