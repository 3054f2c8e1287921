namespace RunDashboard.Core.Analysis.Health;

public enum Severity
{
    Info,
    Warning,
    Error,
}

/// <summary>
/// One verdict about a run: which rule, how bad, where (step and metric), what (message), and the numbers it
/// rests on, so a reader can check it.
/// </summary>
public sealed record Finding(string Rule, Severity Severity, string Message, long? Step = null, string? Metric = null)
{
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>();

    /// <summary>Why it matters, in one sentence.</summary>
    public string? Why { get; init; }
}
