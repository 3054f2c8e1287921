namespace RunDashboard.Core.Ingest;

/// <summary>Per file: lines that became points, lines skipped as not metrics, and lines with a problem.</summary>
public sealed record LineCounts(long Points, long Skipped, long Problems)
{
    public static LineCounts Of(ImportContext context)
    {
        var points = context.PointLines;
        var problems = context.ProblemLines;
        return new LineCounts(points, Math.Max(0, context.LinesRead - points - problems), problems);
    }
}
