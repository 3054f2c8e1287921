namespace RunDashboard.Core.Ingest;

/// <summary>Reads the durations people print: <c>40m 12s</c>, <c>1h 2m</c>, <c>0:01:00</c>, <c>29.4s</c>.</summary>
public static class Durations
{
    public static bool TryParseSeconds(ReadOnlySpan<char> text, out double seconds)
    {
        seconds = 0;
        text = text.Trim();
        if (text.IsEmpty) return false;
        if (text.Contains(':')) return TryParseClock(text, out seconds);
        var any = false;
        while (!text.IsEmpty)
        {
            var i = 0;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.')) i++;
            if (i == 0 || !Numbers.TryParse(text[..i], out var n)) return false;
            text = text[i..].TrimStart();
            var u = 0;
            while (u < text.Length && char.IsLetter(text[u])) u++;
            var unit = text[..u];
            text = text[u..].TrimStart();
            seconds += unit switch
            {
                "d" => n * 86400,
                "h" => n * 3600,
                "m" or "min" => n * 60,
                "s" or "sec" or "" => n,
                "ms" => n / 1000,
                _ => double.NaN,
            };
            if (double.IsNaN(seconds)) return false;
            any = true;
        }
        return any;
    }

    private static bool TryParseClock(ReadOnlySpan<char> text, out double seconds)
    {
        seconds = 0;
        foreach (var range in text.Split(':'))
        {
            if (!Numbers.TryParse(text[range], out var part)) return false;
            seconds = seconds * 60 + part;
        }
        return true;
    }
}
