namespace RunDashboard.Core.Model;

/// <summary>Run states as W&amp;B names them; uploaded logs are <see cref="Finished"/> unless the log says otherwise.</summary>
public static class RunStates
{
    public const string Running = "running";
    public const string Finished = "finished";
    public const string Crashed = "crashed";
    public const string Failed = "failed";
    public const string Killed = "killed";
    public const string Preempted = "preempted";
    public const string Unknown = "unknown";

    /// <summary>An uploaded log that stopped before it said it was done, and has not grown for a while.</summary>
    public const string Incomplete = "incomplete";

    /// <summary>Gone from its W&amp;B project: kept here with its data, but no longer current.</summary>
    public const string Deleted = "deleted";
}
