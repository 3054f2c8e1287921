namespace RunDashboard.Core.Ingest;

/// <summary>Something in an uploaded file that was skipped or looks wrong, with where it is (line 0 = the whole file).</summary>
public sealed record ImportProblem(string File, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}: {Message}" : $"{File}: {Message}";
}
