namespace RunDashboard.Core.Ingest;

/// <summary>Recognises tqdm progress bars (<c> 45%|####      | 84/187 [05:36&lt;06:52,  4.01s/it]</c>), which carry no metrics.</summary>
public static class ProgressBar
{
    /// <summary>Index just past the bar's closing bracket when the text starts with a bar, else -1.</summary>
    public static int EndOf(ReadOnlySpan<char> text)
    {
        var pct = text.IndexOf("%|", StringComparison.Ordinal);
        if (pct < 0 || pct > 80) return -1;
        var rest = text[(pct + 2)..];
        var pipe = rest.IndexOf('|');
        if (pipe < 0) return -1;
        var after = rest[(pipe + 1)..];
        var close = after.IndexOf(']');
        var slash = after.IndexOf('/');
        if (close < 0 || slash < 0 || slash > close) return -1;
        return pct + 2 + pipe + 1 + close + 1;
    }

    /// <summary>Reads <c>n/total</c> from a bar (between its last <c>|</c> and <c>[</c>).</summary>
    public static bool TryReadPosition(ReadOnlySpan<char> bar, out long current, out long total)
    {
        current = total = 0;
        var pipe = bar.LastIndexOf('|');
        var open = bar.LastIndexOf('[');
        if (pipe < 0 || open <= pipe) return false;
        var counts = bar[(pipe + 1)..open].Trim();
        var slash = counts.IndexOf('/');
        return slash > 0 && Numbers.TryParseLong(counts[..slash], out current) && Numbers.TryParseLong(counts[(slash + 1)..], out total);
    }
}
