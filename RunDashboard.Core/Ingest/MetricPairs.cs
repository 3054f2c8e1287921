namespace RunDashboard.Core.Ingest;

/// <summary>
/// Splits the metric part of a log line into name/value pairs, whatever the trainer's taste:
/// <c>loss=21.1090, lr=1.93e-07</c>, <c>loss: 2.31 | lr: 1e-4</c>, <c>loss 2.3456, time 50.12ms, mfu 30.00%</c>.
/// Values keep their unit so the caller can decide (<c>ms</c>, <c>%</c>, <c>GB</c>, <c>s</c>).
/// </summary>
public static class MetricPairs
{
    public readonly record struct Pair(string Name, double Value, string Unit);

    public static List<Pair> Read(ReadOnlySpan<char> text, List<string>? unreadable = null)
    {
        var pairs = new List<Pair>();
        var separator = text.Contains(',') ? ',' : text.Contains('|') ? '|' : ' ';
        if (separator == ' ' && !text.Contains('='))
        {
            // "loss 2.3 lr 0.1" has no separator but alternates names and numbers; read it as such below.
            ReadSpaced(text, pairs, unreadable);
            return pairs;
        }
        foreach (var range in text.Split(separator))
        {
            var part = text[range].Trim();
            if (part.IsEmpty) continue;
            if (separator == ' ' || part.Contains('=') && !part.Contains(' '))
            {
                foreach (var r in part.Split(' '))
                {
                    var token = part[r].Trim();
                    if (!token.IsEmpty) One(token, pairs, unreadable);
                }
            }
            else
            {
                One(part, pairs, unreadable);
            }
        }
        return pairs;
    }

    private static void One(ReadOnlySpan<char> part, List<Pair> pairs, List<string>? unreadable)
    {
        int split;
        int valueStart;
        if ((split = part.IndexOf('=')) > 0) valueStart = split + 1;
        else if ((split = part.LastIndexOf(": ")) > 0) valueStart = split + 2;
        else if ((split = part.LastIndexOf(' ')) > 0) valueStart = split + 1;
        else { unreadable?.Add(part.ToString()); return; }
        var name = part[..split].Trim().TrimEnd(':');
        var raw = part[valueStart..].Trim();
        if (name.IsEmpty || !TryValue(raw, out var value, out var unit))
        {
            unreadable?.Add(part.ToString());
            return;
        }
        pairs.Add(new Pair(name.ToString(), value, unit));
    }

    private static void ReadSpaced(ReadOnlySpan<char> text, List<Pair> pairs, List<string>? unreadable)
    {
        var name = new System.Text.StringBuilder();
        foreach (var r in text.Split(' '))
        {
            var word = text[r];
            if (word.IsEmpty) continue;
            if (name.Length > 0 && TryValue(word, out var value, out var unit))
            {
                pairs.Add(new Pair(name.ToString(), value, unit));
                name.Clear();
            }
            else
            {
                if (name.Length > 0) name.Append(' ');
                name.Append(word);
            }
        }
        if (name.Length > 0) unreadable?.Add(name.ToString());
    }

    private static readonly string[] Units = ["ms", "GB", "GiB", "MB", "MiB", "%", "s"];

    public static bool TryValue(ReadOnlySpan<char> raw, out double value, out string unit)
    {
        unit = "";
        if (Numbers.TryParse(raw, out value)) return true;
        foreach (var u in Units)
        {
            if (raw.Length > u.Length && raw.EndsWith(u, StringComparison.Ordinal) && Numbers.TryParse(raw[..^u.Length], out value))
            {
                unit = u;
                return true;
            }
        }
        return false;
    }
}
