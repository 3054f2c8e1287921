namespace RunDashboard.Core.Ingest;

/// <summary>How sure a format is that a file is its own (0 = not at all, 1 = certain), and why, in words.</summary>
public sealed record FormatMatch(double Confidence, string Reason)
{
    public static readonly FormatMatch None = new(0, "");

    /// <summary>Confidence from the share of sampled lines that look like the format's own.</summary>
    public static FormatMatch FromLines(int matching, int total, string what)
    {
        if (matching == 0) return None;
        var share = (double)matching / Math.Max(1, total);
        return new FormatMatch(Math.Min(0.95, 0.5 + share), $"{matching} of the first {total} lines are {what}");
    }
}
