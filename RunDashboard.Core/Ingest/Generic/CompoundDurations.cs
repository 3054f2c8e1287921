using System.Globalization;
using System.Text;

namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// Durations printed in several units (<c>remaining: 1h 39m 38s</c>, as CatBoost prints them) lose their last
/// parts when they fall on a whole minute (<c>1h 40m</c>), which changes the line's shape: the line then looks like
/// another kind of line, once. Each such duration is read as one number of seconds (<c>5978s</c>), so every line
/// keeps one shape and one field for it.
/// </summary>
internal static class CompoundDurations
{
    /// <summary>The line with each duration of two or more parts (h, m, s, largest first) written in seconds; the line itself when it has none.</summary>
    public static ReadOnlySpan<char> Collapse(ReadOnlySpan<char> line)
    {
        if (!MayHave(line, 'h') && !MayHave(line, 'm')) return line;
        StringBuilder? rewritten = null;
        var copied = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (!char.IsAsciiDigit(line[i]) || (i > 0 && (char.IsAsciiLetterOrDigit(line[i - 1]) || line[i - 1] == '.'))) continue;
            if (!TryRead(line, i, out var seconds, out var end)) continue;
            rewritten ??= new StringBuilder(line.Length);
            rewritten.Append(line[copied..i]).Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
            copied = end;
            i = end - 1;
        }
        if (rewritten is null) return line;
        rewritten.Append(line[copied..]);
        return rewritten.ToString();
    }

    /// <summary>
    /// Whether some <c>&lt;digit&gt;h &lt;digit&gt;</c> (or <c>m</c>) starts a duration of two parts: the generic reader
    /// asks this of every line, and a search for the letter is much cheaper than reading every number.
    /// </summary>
    private static bool MayHave(ReadOnlySpan<char> line, char unit)
    {
        for (var at = 0; at < line.Length;)
        {
            var i = line[at..].IndexOf(unit);
            if (i < 0) return false;
            var p = at + i;
            if (p > 0 && char.IsAsciiDigit(line[p - 1]) && p + 2 < line.Length && line[p + 1] == ' ' && char.IsAsciiDigit(line[p + 2])) return true;
            at = p + 1;
        }
        return false;
    }

    /// <summary>Parts like <c>1h</c>, <c>39m</c>, <c>38s</c> (seconds may have decimals), one space apart, each unit smaller than the one before.</summary>
    private static bool TryRead(ReadOnlySpan<char> line, int start, out double seconds, out int end)
    {
        seconds = 0;
        end = start;
        var parts = 0;
        var lastUnit = 4;
        var i = start;
        while (true)
        {
            var digits = i;
            while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
            if (i == digits) break;
            var numberEnd = i;
            if (i < line.Length && line[i] == '.')
            {
                i++;
                while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
            }
            if (i >= line.Length) break;
            var unit = line[i] switch { 'h' => 3, 'm' => 2, 's' => 1, _ => 0 };
            // The unit ends the part ("38s", not "3ms" or "5min"), and a decimal point only on seconds.
            if (unit == 0 || unit >= lastUnit || (numberEnd != i && unit != 1) || (i + 1 < line.Length && char.IsAsciiLetterOrDigit(line[i + 1]))) break;
            var value = double.Parse(line[digits..i], NumberStyles.Float, CultureInfo.InvariantCulture);
            seconds += value * (unit == 3 ? 3600 : unit == 2 ? 60 : 1);
            lastUnit = unit;
            parts++;
            end = i + 1;
            i++;
            if (i + 1 < line.Length && line[i] == ' ' && char.IsAsciiDigit(line[i + 1])) i++;
            else break;
        }
        return parts >= 2;
    }
}
