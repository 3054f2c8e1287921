using System.Text.RegularExpressions;

namespace RunDashboard.Core.Ingest.Lines;

/// <summary>
/// Removes what launchers and loggers put in front of a trainer's own text, so every reader sees the line as the
/// trainer printed it: timestamps (ISO, <c>05/01/2024 10:00:00</c>, glog's <c>I0501 10:00:00.123 42 file.py:12]</c>),
/// log levels (<c>INFO</c>, <c>[INFO|trainer.py:2048]</c>, <c>- INFO - trainer -</c>, loguru's <c>| INFO | mod:fn:1 -</c>),
/// rank tags (torchrun <c>[rank0]:</c> / <c>[default0]:</c>, DeepSpeed <c>[Rank 0]</c>, mpirun <c>[1,0]&lt;stdout&gt;:</c>),
/// pdsh host prefixes (<c>10.0.0.2: </c>) and logger call sites (<c>[logging.py:96:log_dist]</c>).
/// Bracketed text that is part of the trainer's line (<c>[batch=10/100]</c>, <c>[step 5]</c>) is left alone.
/// </summary>
public static partial class LinePrefix
{
    private const string Level = @"(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL|FATAL|TRACE|NOTICE|I|W|E)";

    // One prefix element at the start of the line; the caller applies it until nothing more matches.
    [GeneratedRegex(
        @"^(?:" +
        @"\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?(?:\s+[A-Z]{2,5})?\]?" + // ISO date and time
        @"|\[?\d{4}/\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?" +
        @"|\[?\d{2}/\d{2}/\d{4}\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?" +
        @"|\[?\d{2}/\d{2}\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?" +
        @"|\[?\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]?" +
        @"|\[\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\]" +
        @"|\d{2}:\d{2}:\d{2}[.,]\d+" +
        @"|[IWEF]\d{4}\s+\d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w./-]+:\d+\]" + // glog / absl
        @"|\[(?:rank|RANK|Rank)\s*(?<rank>\d+)\]:?" +
        @"|(?:rank|RANK|Rank)\s*(?<rank>\d+):" +
        @"|\[default(?<rank>\d+)\]:?" +
        @"|\[\d+,(?<rank>\d+)\]<std(?:out|err)>:" +
        @"|(?:\d{1,3}(?:\.\d{1,3}){3}|localhost|[A-Za-z][\w.]*-\d+):(?=\s)" + // pdsh host: an address, localhost or name-07
        @"|\[(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL)(?:\|[^\]]*)?\]:?" +
        @"|(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL):(?:[\w.]+:)?" + // INFO:root:
        @"|-\s+(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL)\s+-(?:\s+[\w.<>]+\s+-(?=\s))?" + // - INFO - trainer -
        @"|-\s+[\w.<>]+\s+-\s+(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL)\s+-" + // - trainer - INFO -
        @"|\|\s*(?:INFO|WARNING|WARN|ERROR|DEBUG|CRITICAL|SUCCESS)\s*\|(?:\s*[\w.<>]+(?::[\w<>]+)*:\d+\s+-)?" + // loguru
        @"|\[[\w./-]+\.py:\d+(?::\w+)?\]" + // [logging.py:96:log_dist]
        @"|(?:INFO|WARNING|ERROR|DEBUG|CRITICAL)(?=\s+\S)" +
        @"|>>" +
        @")\s*", RegexOptions.CultureInvariant)]
    private static partial Regex Element();

    // After a timestamp, loggers name the host and rank or the logger and line (OLMo: "host:0\tolmo.train:990\tINFO\t").
    // Only there: at the start of a line "epoch:3 loss…" is the trainer's own text.
    // A host names its rank without dots ("node-03:0"); a logger names its line with them ("trainer.py:2314").
    [GeneratedRegex(@"^(?:[\w.]+\.\w+:\d+|[\w-]+:(?<rank>\d{1,4}))(?=\s)\s*", RegexOptions.CultureInvariant)]
    private static partial Regex AfterTimestamp();

    /// <summary>
    /// Returns where the trainer's text starts in <paramref name="line"/> and the rank the prefix named (-1 when none).
    /// </summary>
    public static int Strip(ReadOnlySpan<char> line, out int rank)
    {
        rank = -1;
        // Loggers indent their prefix now and then (" [2026-04-15 11:19:02.524672] iteration 1/ 500 | …").
        var indent = 0;
        while (indent < line.Length && line[indent] is ' ' or '\t') indent++;
        if (indent == line.Length || !MayHavePrefix(line[indent], line[indent..])) return 0;
        var start = indent;
        for (var guard = 0; guard < 8 && start < line.Length; guard++)
        {
            var rest = line[start..];
            var length = start > indent ? FirstMatch(AfterTimestamp(), rest) : 0;
            if (length == 0)
            {
                if (!MayHavePrefix(rest[0], rest)) break;
                length = FirstMatch(Element(), rest);
                if (length == 0) break;
            }
            if (RankIn(rest[..length]) is { } r) rank = rank < 0 ? r : Math.Min(rank, r);
            start += length;
        }
        return start == indent ? 0 : start;
    }

    /// <summary>Length of the match at the start of <paramref name="text"/> (0 when none), without allocating.</summary>
    private static int FirstMatch(Regex regex, ReadOnlySpan<char> text)
    {
        foreach (var m in regex.EnumerateMatches(text)) return m.Index == 0 ? m.Length : 0;
        return 0;
    }

    /// <summary>The rank a matched prefix names: "[rank3]", "[default3]", "[Rank 3]", "[1,3]&lt;stdout&gt;", "host-07:3".</summary>
    private static int? RankIn(ReadOnlySpan<char> prefix)
    {
        var p = prefix.TrimEnd().TrimEnd(':').TrimEnd();
        int at;
        if ((at = p.IndexOf("rank", StringComparison.OrdinalIgnoreCase)) >= 0) p = p[(at + 4)..];
        else if ((at = p.IndexOf("default", StringComparison.Ordinal)) >= 0) p = p[(at + 7)..];
        else if (p.EndsWith(">") && p.IndexOf(',') is var comma and > 0) p = p[(comma + 1)..];
        else if (p.Length > 0 && p[0] != '[' && !p.Contains('.') && p.LastIndexOf(':') is var colon and > 0 && !p[..colon].ContainsAny(' ', '\t')) p = p[(colon + 1)..];
        else return null;
        p = p.TrimStart(' ');
        var digits = 0;
        while (digits < p.Length && char.IsAsciiDigit(p[digits])) digits++;
        return digits is > 0 and <= 5 && int.TryParse(p[..digits], out var r) ? r : null;
    }

    /// <summary>Cheap test that keeps the regex off the lines that cannot start with a prefix (most metric lines).</summary>
    private static bool MayHavePrefix(char first, ReadOnlySpan<char> text)
    {
        if (char.IsAsciiDigit(first) || first is '[' or '-' or '|' or '>') return true;
        if (text.IndexOf(':') is > 0 and < 64 && text.IndexOf(": ") is var colon and > 0 && char.IsAsciiDigit(text[colon - 1])) return true;
        if (text.StartsWith("localhost:")) return true;
        if (first is 'I' or 'W' or 'E' or 'F' or 'D' or 'C' or 'r' or 'R')
        {
            if (text.Length > 1 && char.IsAsciiDigit(text[1])) return true;
            return text.StartsWith("INFO") || text.StartsWith("WARN") || text.StartsWith("ERROR") || text.StartsWith("DEBUG")
                || text.StartsWith("CRITICAL") || text.StartsWith("rank", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }
}
