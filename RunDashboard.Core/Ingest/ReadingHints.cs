namespace RunDashboard.Core.Ingest;

/// <summary>
/// A user's correction of how a log is read: which field is the step, and metric keys to rename
/// (<c>loss_cls=train/loss/cls</c>). Given with an upload and remembered per project, so the next log of
/// the same trainer is read the same way.
/// </summary>
public sealed record ReadingHints(string? StepField, IReadOnlyDictionary<string, string> Renames)
{
    public static readonly ReadingHints None = new(null, new Dictionary<string, string>());

    public bool IsEmpty => string.IsNullOrWhiteSpace(StepField) && Renames.Count == 0;

    /// <summary>"a=b, c=d" (or one per line) → renames; names are matched as the log prints them or as canonical keys.</summary>
    public static IReadOnlyDictionary<string, string> ParseRenames(string? text)
    {
        var renames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(text)) return renames;
        foreach (var part in text.Split([',', '\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=');
            if (eq <= 0 || eq == part.Length - 1) throw new FormatException($"rename '{part}' is not 'old=new'");
            renames[part[..eq].Trim()] = part[(eq + 1)..].Trim();
        }
        return renames;
    }

    /// <summary>The key a series gets: a rename of its source name or of its canonical key, else the canonical key.</summary>
    public string KeyFor(string alias, string key) =>
        Renames.TryGetValue(alias, out var byAlias) ? byAlias : Renames.TryGetValue(key, out var byKey) ? byKey : key;
}
