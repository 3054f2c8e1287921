using System.Globalization;
using System.Text;

namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// Reads the numbers of a log line and pairs each with its label, whatever the punctuation:
/// <c>loss: 2.3</c>, <c>loss:2.3</c>, <c>loss=2.3</c>, <c>| loss 2.3 |</c>, <c>'loss': '2.3'</c>, <c>lm loss: 2.3E+00</c>,
/// <c>train/loss 2.3</c>, <c>Train loss/train/total: 2.3</c>, <c>(2185.6 ms | 234 tok/s)</c>.
/// Numbers keep their unit (<c>120ms</c>, <c>1.5s</c>, <c>12.3%</c>); <c>1.2k</c>/<c>3.4M</c>/<c>5B</c> are scaled;
/// <c>1,234.5</c> is one number; <c>N/M</c> is a position N of M; <c>0:10:00</c> is a duration in seconds.
/// Words that touch digits (<c>checkpoint-500</c>, <c>v1.2</c>, <c>2024-05-01</c>) are words, not numbers.
/// </summary>
public static class LineFields
{
    private const int MaxLabelWords = 4;

    public static List<LineField> Read(ReadOnlySpan<char> line) => Read(line, new List<LineField>());

    public static List<LineField> Read(ReadOnlySpan<char> line, List<LineField> fields) => Read(line, fields, out _);

    /// <summary>
    /// Reads a line whose text, numbers aside, equals that of a line already read (<paramref name="layout"/> holds
    /// that line's fields): the tokens are found the same way but only the numbers are parsed, and labels and
    /// units come from the layout. False when the numbers do not line up (then read the line in full).
    /// </summary>
    public static bool ReadAgain(ReadOnlySpan<char> line, List<LineField> fields, LineField[] layout)
    {
        fields.Clear();
        var i = 0;
        var n = line.Length;
        var k = 0;
        while (i < n)
        {
            var c = line[i];
            if (c is ' ' or '\t' or '|' or ',' or ';' or '{' or '}' or '(' or ')' or '[' or ']' or '<' or '>' or '│' or '┃' or '║' or ':' or '=')
            {
                i++;
                continue;
            }
            var token = Token(line, i, out var next);
            if (!token.IsEmpty && (char.IsAsciiDigit(token[0]) || token[0] is '-' or '+' or '.')
                && TryNumber(token, out var value, out _, out var total, out var integral))
            {
                if (k >= layout.Length) return false;
                fields.Add(layout[k] with { Value = value, Total = total, Integral = integral && layout[k].Integral });
                k++;
            }
            else if (!token.IsEmpty && char.IsAsciiDigit(token[0]) && TryGluedCount(token, out var count, out _))
            {
                if (k >= layout.Length) return false;
                fields.Add(layout[k] with { Value = count, Total = null, Integral = true });
                k++;
            }
            i = next == i ? i + 1 : next;
        }
        return k == layout.Length;
    }

    [ThreadStatic] private static StringBuilder? _label;
    [ThreadStatic] private static Dictionary<string, string>? _labels;

    /// <summary>The same labels come back on every line: one string per label text, not one per line.</summary>
    private static string Intern(StringBuilder label)
    {
        var labels = _labels ??= new Dictionary<string, string>(StringComparer.Ordinal);
        Span<char> buffer = label.Length <= 256 ? stackalloc char[label.Length] : new char[label.Length];
        label.CopyTo(0, buffer, label.Length);
        var lookup = labels.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(buffer, out var known)) return known;
        var text = buffer.ToString();
        if (labels.Count < 65_536) labels[text] = text;
        return text;
    }

    /// <summary>Reads the fields; <paramref name="wordCount"/> is the number of whitespace tokens with a letter.</summary>
    public static List<LineField> Read(ReadOnlySpan<char> line, List<LineField> fields, out int wordCount)
    {
        fields.Clear();
        wordCount = 0;
        var label = _label ??= new StringBuilder();
        label.Clear();
        var words = 0;
        var i = 0;
        var n = line.Length;
        // A number with no label before it may take the word right after it as its label ("234 tok/s").
        var pendingUnlabeled = -1;
        // Where the last number's token ended, and which field a rate unit after it last named.
        var lastNumberEnd = -1;
        var namedByRate = -1;
        while (i < n)
        {
            var c = line[i];
            if (c is ' ' or '\t')
            {
                // " - " separates fields (Keras: "loss: 0.52 - accuracy: 0.81").
                if (i + 2 < n && line[i + 1] == '-' && line[i + 2] is ' ' or '\t') { Separate(); i += 3; continue; }
                i++;
                continue;
            }
            // "Epoch(train) [100][50/4309]": a word's qualifier in parentheses and the bracket after it keep the word
            // as the label of the first number in brackets ("Epoch [1][10/35]" too).
            if (c == '(' && i > 0 && char.IsLetter(line[i - 1]) && label.Length > 0 && line[(i + 1)..].IndexOf(')') is var qualifierEnd and > 0
                && IsPlainWord(line.Slice(i + 1, qualifierEnd)))
            {
                i += qualifierEnd + 2;
                continue;
            }
            if (c == '[' && label.Length > 0 && i + 1 < n && char.IsAsciiDigit(line[i + 1]))
            {
                i++;
                continue;
            }
            if (c is '|' or ',' or ';' or '{' or '}' or '(' or ')' or '[' or ']' or '<' or '>' or '│' or '┃' or '║')
            {
                Separate();
                i++;
                continue;
            }
            if (c is ':' or '=') { i++; continue; }
            var token = Token(line, i, out var next);
            if (TryNumber(token, out var value, out var unit, out var total, out var integral))
            {
                if (integral && unit.Length == 0 && total is null && DaysThenClock(line, next, out var seconds, out var end))
                {
                    (value, unit, integral, next) = (value * 86400 + seconds, "s", false, end);
                }
                var parenthesized = line[..i].TrimEnd(' ').EndsWith("(") && line[next..].TrimStart(' ').StartsWith(")");
                if (label.Length > 0)
                {
                    // "Train: 0 [  50/73 ( 70%)]": a bare split word numbering what comes before the position inside it
                    // is the epoch (timm prints "Train: <epoch> [<batch>/<batches> (<percent>)]").
                    var name = integral && unit.Length == 0 && total is null && IsSplitWord(label) && PositionInBracketsFollows(line, next) ? "epoch" : Intern(label);
                    fields.Add(new LineField(name, value, unit, total, integral) { Parenthesized = parenthesized });
                    pendingUnlabeled = -1;
                }
                else
                {
                    fields.Add(new LineField("", value, unit, total, integral) { Parenthesized = parenthesized });
                    pendingUnlabeled = fields.Count - 1;
                }
                label.Clear();
                words = 0;
                lastNumberEnd = next;
            }
            else if (!token.IsEmpty && char.IsAsciiDigit(token[0]) && TryGluedCount(token, out var count, out var counted))
            {
                // "5epoch", "3376-3750batch": the count names itself; words before it do not label it.
                fields.Add(new LineField(counted, count, "", null, true));
                label.Clear();
                words = 0;
                pendingUnlabeled = -1;
            }
            else if (!token.IsEmpty)
            {
                wordCount++;
                var word = token.TrimEnd(':').TrimEnd('=');
                if (fields.Count > 0 && lastNumberEnd >= 0 && line[lastNumberEnd..i].IsWhiteSpace() && IsRateUnit(word)
                    && ((namedByRate >= 0 && namedByRate == fields.Count - 2) || NumberWithRateUnitFollows(line, next)))
                {
                    // "Speed: 71.18 samples/sec 1971.60 tokens/sec 1.27 updates/sec": in a run of numbers each followed
                    // by a rate unit, the unit names the number before it (the label before the run names only the run).
                    fields[^1] = fields[^1] with { Label = word.ToString() };
                    namedByRate = fields.Count - 1;
                    pendingUnlabeled = -1;
                    label.Clear();
                    words = 0;
                }
                else if (word.Length > 3 && IsSourceFile(word) && next + 1 < line.Length && line[next] == ':' && char.IsAsciiDigit(line[next + 1]))
                {
                    // "train_util.py:779": the logger's source location (rich prints it at the end of every line); its
                    // line number is no metric.
                    next++;
                    while (next < line.Length && char.IsAsciiDigit(line[next])) next++;
                    label.Clear();
                    words = 0;
                    pendingUnlabeled = -1;
                }
                else if (IsLogLevel(word))
                {
                    // "ppocr INFO: epoch: [3/500]": the logger's name and level end where the message starts.
                    label.Clear();
                    words = 0;
                    pendingUnlabeled = -1;
                }
                else if (!word.IsEmpty && (IsWordLike(word) || IsLabelOfValue(word, line, next) || IsRankQualifier(word, line, next)))
                {
                    if (pendingUnlabeled >= 0 && label.Length == 0 && NextIsBoundaryOfField(line, next))
                    {
                        var f = fields[pendingUnlabeled];
                        fields[pendingUnlabeled] = word is "ms" or "s" or "sec"
                            ? f with { Label = "time", Unit = word.ToString(), Integral = false }
                            : f with { Label = word.ToString() };
                        pendingUnlabeled = -1;
                    }
                    else
                    {
                        if (words == MaxLabelWords) { label.Clear(); words = 0; }
                        if (label.Length > 0) label.Append(' ');
                        label.Append(word);
                        words++;
                    }
                }
                else
                {
                    // Something that is neither a name nor a number (a path, a date): labels do not reach across it.
                    label.Clear();
                    words = 0;
                    pendingUnlabeled = -1;
                }
            }
            i = next == i ? i + 1 : next;
        }
        return fields;

        void Separate()
        {
            label.Clear();
            words = 0;
        }
    }

    /// <summary>
    /// The token starting at <paramref name="at"/>: a quoted text without its quotes ('loss', '2.029'), or the run of
    /// characters up to the next boundary; <paramref name="next"/> is where reading goes on.
    /// </summary>
    private static ReadOnlySpan<char> Token(ReadOnlySpan<char> line, int at, out int next)
    {
        var c = line[at];
        if (c is '\'' or '"')
        {
            var close = line[(at + 1)..].IndexOf(c);
            var end = close < 0 ? line.Length : at + 1 + close;
            next = Math.Min(line.Length, end + 1);
            return line[(at + 1)..end];
        }
        next = TokenEnd(line, at);
        return line[at..next];
    }

    /// <summary>A comma inside a number that groups thousands: "1,234" followed by no further digit.</summary>
    private static bool IsThousandsComma(ReadOnlySpan<char> line, int at)
    {
        if (line[at] != ',' || at == 0 || !char.IsAsciiDigit(line[at - 1]) || !HasThreeDigits(line, at + 1)) return false;
        if (at + 4 < line.Length && char.IsAsciiDigit(line[at + 4])) return false;
        // Only when the digits before the comma are a leading group of 1–3 digits or an earlier group.
        var k = at - 1;
        var digits = 0;
        while (k >= 0 && char.IsAsciiDigit(line[k])) { k--; digits++; }
        return digits <= 3 && (k < 0 || line[k] is not '.');
    }

    /// <summary>"0:10:00" and "12:34" inside a line: a clock or duration, one token.</summary>
    private static bool IsClockColon(ReadOnlySpan<char> line, int tokenStart, int at)
    {
        if (line[at] != ':' || at == tokenStart || at + 2 >= line.Length) return false;
        if (!char.IsAsciiDigit(line[at + 1]) || !char.IsAsciiDigit(line[at + 2])) return false;
        if (at + 3 < line.Length && char.IsAsciiDigit(line[at + 3])) return false;
        for (var k = tokenStart; k < at; k++)
        {
            if (!char.IsAsciiDigit(line[k]) && line[k] != ':') return false;
        }
        return true;
    }

    /// <summary>
    /// "eta: 2 days, 20:01:28": Python prints a duration of a day or more as "N day(s), H:MM:SS". After the day count
    /// at <paramref name="from"/>, the rest of that duration in seconds and where it ends.
    /// </summary>
    private static bool DaysThenClock(ReadOnlySpan<char> line, int from, out double seconds, out int end)
    {
        seconds = 0;
        end = from;
        var rest = line[from..];
        var unitLength = rest.StartsWith(" days, ", StringComparison.Ordinal) ? 7 : rest.StartsWith(" day, ", StringComparison.Ordinal) ? 6 : 0;
        if (unitLength == 0) return false;
        var clockStart = from + unitLength;
        var clockEnd = TokenEnd(line, clockStart);
        var clock = line[clockStart..clockEnd];
        if (clock.IndexOf(':') < 0 || !TryClock(clock, out seconds, out _)) return false;
        end = clockEnd;
        return true;
    }

    private static bool IsPlainWord(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || text.Length > 16) return false;
        foreach (var ch in text) if (!char.IsLetter(ch) && ch != '_') return false;
        return true;
    }

    private static bool NextIsBoundaryOfField(ReadOnlySpan<char> line, int from)
    {
        var rest = line[from..].TrimStart(' ');
        return rest.IsEmpty || rest[0] is '|' or ',' or ';' or ')' or ']' or '}';
    }

    private static readonly System.Buffers.SearchValues<char> Boundaries = System.Buffers.SearchValues.Create(" \t|,;:{}()[]=<>'\"│┃║");

    /// <summary>Where the token starting at <paramref name="start"/> ends: the next boundary that is not inside a number.</summary>
    private static int TokenEnd(ReadOnlySpan<char> line, int start)
    {
        var end = start;
        while (true)
        {
            var at = line[end..].IndexOfAny(Boundaries);
            if (at < 0) return line.Length;
            end += at;
            if (!IsThousandsComma(line, end) && !IsClockColon(line, start, end)) return end;
            end++;
        }
    }

    /// <summary>
    /// "accuracy_top-1: 22.0", "top-5=0.91": a name with digits right before a colon or an equals sign labels the
    /// value after it, even though the same text elsewhere ("checkpoint-500") names a file.
    /// </summary>
    private static bool IsLabelOfValue(ReadOnlySpan<char> word, ReadOnlySpan<char> line, int next)
    {
        if (next >= line.Length || line[next] is not (':' or '=') || !char.IsLetter(word[0])) return false;
        foreach (var ch in word)
        {
            if (!(char.IsLetterOrDigit(ch) || ch is '_' or '-' or '@')) return false;
        }
        return true;
    }

    private static readonly string[] SplitWords = ["train", "training", "test", "val", "valid", "validation", "eval", "evaluation"];

    private static bool IsSplitWord(StringBuilder label)
    {
        if (label.Length > 10) return false;
        Span<char> text = stackalloc char[label.Length];
        label.CopyTo(0, text, label.Length);
        foreach (var word in SplitWords) if (text.Equals(word, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>After <paramref name="from"/>: "[", spaces and "N/M" — a position inside what the number before counts.</summary>
    private static bool PositionInBracketsFollows(ReadOnlySpan<char> line, int from)
    {
        var rest = line[from..].TrimStart(' ');
        if (rest.IsEmpty || rest[0] != '[') return false;
        rest = rest[1..].TrimStart(' ');
        var digits = 0;
        while (digits < rest.Length && char.IsAsciiDigit(rest[digits])) digits++;
        return digits > 0 && digits + 1 < rest.Length && rest[digits] == '/' && char.IsAsciiDigit(rest[digits + 1]);
    }

    /// <summary>"samples/sec", "tokens/sec", "words/s": what is counted per second.</summary>
    private static bool IsRateUnit(ReadOnlySpan<char> word)
    {
        var slash = word.IndexOf('/');
        if (slash < 1 || slash > 16) return false;
        foreach (var ch in word[..slash]) if (!char.IsAsciiLetter(ch)) return false;
        return word[(slash + 1)..] is "s" or "sec" or "second";
    }

    /// <summary>After <paramref name="from"/>: spaces, a number, spaces and a rate unit ("… 1971.60 tokens/sec").</summary>
    private static bool NumberWithRateUnitFollows(ReadOnlySpan<char> line, int from)
    {
        var rest = line[from..].TrimStart(' ');
        var numberEnd = rest.IndexOf(' ');
        if (numberEnd <= 0 || !TryNumber(rest[..numberEnd], out _, out var unit, out var total, out _) || unit.Length > 0 || total is not null) return false;
        rest = rest[numberEnd..].TrimStart(' ');
        var wordEnd = rest.IndexOfAny(" \t,;|]");
        return IsRateUnit(wordEnd < 0 ? rest : rest[..wordEnd]);
    }

    private static readonly string[] SourceFileExtensions = [".py", ".cc", ".cpp", ".c", ".h", ".go", ".rs", ".java", ".js", ".ts"];

    /// <summary>A source file's name as loggers print it with its line number: "trainer.py", "logging.cc".</summary>
    private static bool IsSourceFile(ReadOnlySpan<char> word)
    {
        foreach (var ext in SourceFileExtensions)
        {
            if (word.Length > ext.Length && word.EndsWith(ext, StringComparison.Ordinal) && char.IsLetterOrDigit(word[^(ext.Length + 1)])) return true;
        }
        return false;
    }

    private static readonly string[] LogLevels = ["INFO", "WARNING", "WARN", "DEBUG", "ERROR", "CRITICAL", "TRACE"];

    /// <summary>A logging level as loggers print it (upper case); "info" or "Error" in a message are words.</summary>
    private static bool IsLogLevel(ReadOnlySpan<char> word)
    {
        foreach (var level in LogLevels) if (word.SequenceEqual(level)) return true;
        return false;
    }

    /// <summary>Names of ranked metrics written with their cut-off: "Top-1", "Recall-10", "Hits-3".</summary>
    private static readonly string[] RankedMetricNames = ["top", "rank", "hit", "hits", "recall", "r", "precision", "p", "ndcg", "mrr", "map", "acc"];

    /// <summary>
    /// "Top-1 Acc: 4.86 Top-5 Acc: 29.2": a ranked metric's name with its one- or two-digit cut-off, followed by plain
    /// words and a colon or an equals sign, is the first word of that label. Other hyphenated names with digits
    /// ("ckpt-50", "run-3") stay words that break labels, as file and run names do.
    /// </summary>
    private static bool IsRankQualifier(ReadOnlySpan<char> word, ReadOnlySpan<char> line, int next)
    {
        var dash = word.IndexOf('-');
        if (dash <= 0 || word.Length - dash - 1 is < 1 or > 2) return false;
        var isRanked = false;
        foreach (var name in RankedMetricNames) isRanked |= word[..dash].Equals(name, StringComparison.OrdinalIgnoreCase);
        if (!isRanked) return false;
        foreach (var ch in word[(dash + 1)..]) if (!char.IsAsciiDigit(ch)) return false;
        var i = next;
        var words = 0;
        while (true)
        {
            var start = i;
            while (i < line.Length && line[i] == ' ') i++;
            if (i == start) return words > 0 && i < line.Length && line[i] is ':' or '=';
            var wordStart = i;
            while (i < line.Length && (char.IsLetter(line[i]) || line[i] == '_')) i++;
            if (i == wordStart || ++words > 2) return false;
            if (i < line.Length && line[i] is ':' or '=') return true;
        }
    }

    /// <summary>
    /// A count written against the name of what it counts: ESPnet prints <c>5epoch:train:3376-3750batch:</c> (epoch 5,
    /// the stats of batches 3376 to 3750). Only step and epoch names of four letters or more count this way ("5epoch",
    /// "200steps"; tqdm's "21it" is its own counter, not a metric's step); a range ends at the batch the line was
    /// written after, so it reads as its last number. Units ("5s", "12GB") are numbers, read before this.
    /// </summary>
    internal static bool TryGluedCount(ReadOnlySpan<char> token, out double count, out string name)
    {
        count = 0;
        name = "";
        if (token.Length > 48) return false;
        var i = 0;
        while (i < token.Length && char.IsAsciiDigit(token[i])) i++;
        if (i == 0 || i == token.Length) return false;
        var numberStart = 0;
        if (token[i] == '-' && i + 1 < token.Length && char.IsAsciiDigit(token[i + 1]))
        {
            var rangeStart = i + 1;
            i = rangeStart;
            while (i < token.Length && char.IsAsciiDigit(token[i])) i++;
            if (i == token.Length || rangeStart - 1 > 15 || i - rangeStart > 15
                || long.Parse(token[..(rangeStart - 1)], CultureInfo.InvariantCulture) > long.Parse(token[rangeStart..i], CultureInfo.InvariantCulture)) return false;
            numberStart = rangeStart;
        }
        var word = token[i..];
        if (word.Length < 4 || i - numberStart > 15) return false;
        foreach (var ch in word) if (!char.IsAsciiLetter(ch) && ch != '_') return false;
        if (StepNames.Rank(word.ToString()) < 0) return false;
        count = long.Parse(token[numberStart..i], CultureInfo.InvariantCulture);
        name = word.ToString();
        return true;
    }

    private static bool IsWordLike(ReadOnlySpan<char> word)
    {
        if (!char.IsLetter(word[0]) && word[0] != '_') return false;
        // "ckpt-500", "out/run-3", "v1.2": names of files and versions, not metric labels.
        if (word.IndexOfAnyInRange('0', '9') >= 0 && word.IndexOfAny('-', '/', '.') >= 0) return false;
        foreach (var ch in word)
        {
            if (!(char.IsLetterOrDigit(ch) || ch is '_' or '/' or '.' or '-' or '@' or '#' or '%' or '*')) return false;
        }
        return true;
    }

    private static readonly (string Suffix, double Scale)[] Scales =
    [
        ("k", 1e3), ("K", 1e3), ("M", 1e6), ("B", 1e9), ("G", 1e9), ("T", 1e12),
    ];

    private static readonly string[] Units = ["ms", "us", "µs", "ns", "s", "sec", "%", "GB", "GiB", "MB", "MiB", "KB", "x", "h", "m", "min"];

    /// <summary>Parses one token as a number with its unit, thousands separators, scale suffix or <c>N/M</c> total.</summary>
    public static bool TryNumber(ReadOnlySpan<char> token, out double value, out string unit, out long? total, out bool integral)
    {
        value = 0;
        unit = "";
        total = null;
        integral = false;
        if (token.IsEmpty) return false;
        var first = token[0];
        if (!char.IsAsciiDigit(first))
        {
            if (Numbers.TryParseSpecialWord(token, out value)) return true;
            if (!((first is '-' or '+' or '.') && token.Length > 1 && (char.IsAsciiDigit(token[1]) || token[1] == '.'))) return false;
        }
        var special = token.IndexOfAny(':', '/', ',');
        if (special < 0)
        {
            // The common case: "2.061", "1.000e-05", "512", "12.5ms".
            var length = NumberLength(token);
            if (length == 0 || !Numbers.TryParse(token[..length], out value)) return false;
            integral = token[..length].IndexOfAny('.', 'e', 'E') < 0 && Math.Abs(value) < 9e15;
            return length == token.Length || Suffix(token[length..], ref value, ref unit, ref integral);
        }
        if (token.Contains(':')) return TryClock(token, out value, out unit);
        // N/M progress.
        var slash = token.IndexOf('/');
        if (slash > 0)
        {
            if (long.TryParse(token[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var current)
                && long.TryParse(token[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var all))
            {
                value = current;
                total = all;
                integral = true;
                return true;
            }
            return false;
        }
        // H:MM:SS or MM:SS durations never reach here (':' is a boundary); the reader joins them below.
        var numberEnd = NumberLength(token);
        if (numberEnd == 0) return false;
        var numberText = token[..numberEnd];
        var rest = token[numberEnd..];
        var hasThousands = numberText.Contains(',');
        if (hasThousands)
        {
            if (!double.TryParse(numberText, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value)) return false;
        }
        else if (!Numbers.TryParse(numberText, out value)) return false;
        integral = !numberText.ContainsAny('.', 'e', 'E') && Math.Abs(value) < 9e15;
        if (rest.IsEmpty) return true;
        // "iteration 20/ 500": the position with its total after a space.
        if (rest.SequenceEqual("/")) { integral = !numberText.ContainsAny('.', 'e', 'E'); return true; }
        return Suffix(rest, ref value, ref unit, ref integral);
    }

    /// <summary>What follows the digits: a scale (<c>k</c>, <c>M</c>, <c>B</c>), a unit (<c>ms</c>, <c>%</c>, <c>GB</c>) or a rate (<c>ms/step</c>).</summary>
    private static bool Suffix(ReadOnlySpan<char> rest, ref double value, ref string unit, ref bool integral)
    {
        foreach (var (suffix, scale) in Scales)
        {
            if (rest.SequenceEqual(suffix))
            {
                value *= scale;
                integral = value == Math.Floor(value);
                return true;
            }
        }
        foreach (var u in Units)
        {
            if (rest.SequenceEqual(u))
            {
                unit = u;
                integral = false;
                return true;
            }
        }
        // "20ms/step", "1.2s/it" and the like: a rate, keep the unit text.
        if (rest.Length <= 8 && rest.Contains('/') && char.IsLetter(rest[0]))
        {
            unit = rest.ToString();
            integral = false;
            return true;
        }
        return false;
    }

    private static bool TryClock(ReadOnlySpan<char> token, out double seconds, out string unit)
    {
        seconds = 0;
        unit = "s";
        foreach (var r in token.Split(':'))
        {
            if (!int.TryParse(token[r], NumberStyles.None, CultureInfo.InvariantCulture, out var part)) return false;
            seconds = seconds * 60 + part;
        }
        return true;
    }

    /// <summary>Length of the leading decimal number (sign, digits with <c>,ddd</c> groups, fraction, exponent).</summary>
    private static int NumberLength(ReadOnlySpan<char> s)
    {
        var i = 0;
        if (i < s.Length && s[i] is '-' or '+') i++;
        var digitsStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        var intDigits = i - digitsStart;
        // Thousands separators: "1,234" or "12,345,678" — groups of exactly three digits.
        while (intDigits is > 0 and <= 3 && i < s.Length && s[i] == ',' && HasThreeDigits(s, i + 1)
               && (i + 4 >= s.Length || !char.IsAsciiDigit(s[i + 4])))
        {
            i += 4;
        }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i == digitsStart || (i == digitsStart + 1 && s[digitsStart] == '.')) return 0;
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < s.Length && s[j] is '-' or '+') j++;
            var expStart = j;
            while (j < s.Length && char.IsAsciiDigit(s[j])) j++;
            if (j > expStart) i = j;
        }
        return i;
    }

    private static bool HasThreeDigits(ReadOnlySpan<char> s, int at) =>
        at + 3 <= s.Length && char.IsAsciiDigit(s[at]) && char.IsAsciiDigit(s[at + 1]) && char.IsAsciiDigit(s[at + 2]);
}
