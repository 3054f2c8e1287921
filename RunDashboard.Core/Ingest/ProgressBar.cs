namespace RunDashboard.Core.Ingest;

/// <summary>
/// Recognises progress bars, which carry no metrics: tqdm's (<c> 45%|####      | 84/187 [05:36&lt;06:52,  4.01s/it]</c>)
/// and the arrow bar of mmcv and similar runners (<c>[&gt;&gt;&gt;&gt;&gt;   ] 50/50, 163.1 task/s, elapsed: 0s, ETA:     0s</c>).
/// </summary>
public static class ProgressBar
{
    /// <summary>Index just past the bar (tqdm: its closing bracket; arrow bar: its ETA) when the text starts with one, else -1.</summary>
    public static int EndOf(ReadOnlySpan<char> text)
    {
        if (text.Length > 0 && text[0] == '[') return EndOfArrowBar(text);
        if (text.Length > 0 && char.IsAsciiDigit(text[0]) && EndOfKerasBar(text) is var keras and >= 0) return keras;
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

    /// <summary>
    /// <c>[&gt;&gt;&gt;   ] 12/50, 40.2 task/s, elapsed: 1s, ETA:     3s</c>: a bracket of arrows and spaces, a count and
    /// the timing. The bar is redrawn with <c>\r</c> and its last drawing has no newline, so the next log line
    /// follows it on the same physical line; the index returned is where that line starts.
    /// </summary>
    private static int EndOfArrowBar(ReadOnlySpan<char> text)
    {
        var close = text.IndexOf(']');
        if (close < 2 || close > 200 || text[1..close].ContainsAnyExcept('>', ' ') || !text[1..close].Contains('>') && close < 10) return -1;
        var i = close + 1;
        while (i < text.Length && text[i] == ' ') i++;
        var digits = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == digits || i >= text.Length || text[i] != '/') return -1;
        i++;
        var total = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == total) return -1;
        var rest = text[i..];
        var limit = Math.Min(rest.Length, 120);
        foreach (var label in (ReadOnlySpan<string>)["ETA:", "elapsed:"])
        {
            var at = rest[..limit].IndexOf(label, StringComparison.Ordinal);
            if (at < 0) continue;
            var j = at + label.Length;
            while (j < rest.Length && rest[j] == ' ') j++;
            while (j < rest.Length && (char.IsAsciiDigit(rest[j]) || rest[j] is ':' or '.')) j++;
            if (j < rest.Length && rest[j] == 's') j++;
            return i + j;
        }
        return i;
    }

    /// <summary>
    /// Keras' bar, <c>1562/1562 [==============================] - 484s - loss: 0.77 - acc: 0.73</c>: the batch count in the
    /// epoch and a bracket of <c>=</c>, <c>&gt;</c> and <c>.</c>. Its count is no step (the epoch header before it is);
    /// the index returned is where the metrics start.
    /// </summary>
    private static int EndOfKerasBar(ReadOnlySpan<char> text)
    {
        var i = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == 0 || i >= text.Length || text[i] != '/') return -1;
        i++;
        var total = i;
        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
        if (i == total || i + 1 >= text.Length || text[i] != ' ' || text[i + 1] != '[') return -1;
        var close = text[(i + 2)..].IndexOf(']');
        if (close < 5 || text.Slice(i + 2, close).ContainsAnyExcept('=', '>', '.')) return -1;
        return i + 2 + close + 1;
    }

    /// <summary>
    /// tqdm prints a postfix inside the bar's bracket after the rate, <c>[18:48&lt;46:37,  1.20s/it, avr_loss=0.12, lr=1e-4]</c>:
    /// the metrics of the step the bar stands at. When <paramref name="bar"/> (a whole tqdm bar) has <c>name=value</c>
    /// pairs there, writes <c>[description with its numbers] step current/total, pairs</c> at the end of
    /// <paramref name="destination"/> (which holds the bar; the text written is always shorter) and returns its length;
    /// else 0. A description without digits ("steps: ") is dropped: it names the bar, not a metric; one with digits
    /// ("Epoch 3: ") is kept, the epoch the position counts in.
    /// </summary>
    /// <param name="current">The bar's position, as <see cref="TryReadPosition"/> read it.</param>
    public static int AsMetricLine(ReadOnlySpan<char> bar, long current, long total, Span<char> destination)
    {
        var pct = bar.IndexOf("%|", StringComparison.Ordinal);
        if (pct < 0) return 0;
        var open = bar.LastIndexOf('[');
        var close = bar.LastIndexOf(']');
        if (open < 0 || close <= open) return 0;
        var inside = bar[(open + 1)..close];
        // elapsed<remaining, rate, postfix: the postfix starts after the second comma.
        var firstComma = inside.IndexOf(',');
        if (firstComma < 0) return 0;
        var secondComma = inside[(firstComma + 1)..].IndexOf(',');
        if (secondComma < 0) return 0;
        var postfix = inside[(firstComma + 1 + secondComma + 1)..].Trim();
        if (postfix.IndexOf('=') <= 0) return 0;
        // The description ends before the percentage's digits ("steps:  29%").
        var descriptionEnd = pct;
        while (descriptionEnd > 0 && (char.IsAsciiDigit(bar[descriptionEnd - 1]) || bar[descriptionEnd - 1] == ' ')) descriptionEnd--;
        var description = bar[..descriptionEnd].Trim();
        if (description.IndexOfAnyInRange('0', '9') < 0) description = [];
        var text = $"{description}{(description.IsEmpty ? "" : " ")}step {current}/{total}, {postfix}";
        if (text.Length > destination.Length) return 0;
        text.AsSpan().CopyTo(destination[^text.Length..]);
        return text.Length;
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
