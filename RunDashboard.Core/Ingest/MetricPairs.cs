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
        if (text.Contains('['))
        {
            foreach (var range in SplitOutsideBrackets(text, separator)) Part(text[range]);
        }
        else
        {
            foreach (var range in text.Split(separator)) Part(text[range]);
        }
        return pairs;

        void Part(ReadOnlySpan<char> part)
        {
            part = part.Trim();
            if (part.IsEmpty) return;
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
    }

    /// <summary>
    /// The parts of <paramref name="text"/> between separators that are not inside brackets: DeepSpeed prints
    /// <c>lr=[5e-05], mom=[[0.9, 0.999]]</c>, whose inner commas separate list items, not pairs.
    /// </summary>
    private static List<Range> SplitOutsideBrackets(ReadOnlySpan<char> text, char separator)
    {
        var parts = new List<Range>();
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '[') depth++;
            else if (c == ']' && depth > 0) depth--;
            else if (c == separator && depth == 0)
            {
                parts.Add(start..i);
                start = i + 1;
            }
        }
        parts.Add(start..text.Length);
        return parts;
    }

    /// <summary>
    /// A value printed as a list, one item per parameter group (<c>lr=[5e-05]</c>, <c>lr=[0.001, 0.001]</c>): one
    /// number when every item is that number. Items that differ (<c>mom=[[0.9, 0.999]]</c>, Adam's two betas) are
    /// several settings, not one metric: <paramref name="several"/> says so, and no value is read.
    /// </summary>
    private static bool TryListValue(ReadOnlySpan<char> raw, out double value, out bool several)
    {
        value = double.NaN;
        several = false;
        if (raw.Length < 3 || raw[0] != '[' || raw[^1] != ']') return false;
        var inner = raw.Trim("[]".AsSpan());
        if (inner.IsEmpty) return false;
        var any = false;
        foreach (var r in inner.Split(','))
        {
            var item = inner[r].Trim().Trim("[]".AsSpan()).Trim();
            if (!Numbers.TryParse(item, out var v)) return false;
            if (any && !v.Equals(value)) several = true;
            value = v;
            any = true;
        }
        return any && !several;
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
        if (!name.IsEmpty && raw.StartsWith('['))
        {
            if (TryListValue(raw, out var item, out var several)) pairs.Add(new Pair(name.ToString(), item, ""));
            else if (!several) unreadable?.Add(part.ToString());
            return;
        }
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
