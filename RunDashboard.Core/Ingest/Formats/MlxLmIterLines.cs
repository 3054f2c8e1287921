using System.Runtime.CompilerServices;
using RunDashboard.Core.Ingest.Fast;

namespace RunDashboard.Core.Ingest.Formats;

/// <summary>
/// Reads the <c>Iter N: Name value[unit], …</c> lines of MLX-LM straight from their bytes. A log repeats a few line
/// shapes (the train line, the validation line); each shape is learned once (its names, units and the text between
/// the numbers) and every later line is checked against it byte for byte, so a line costs a few short comparisons
/// and one pass over each number. Only lines whose reading cannot differ from the character path are taken:
/// printable ASCII (so there is nothing to decode, strip or repair), <c>Iter</c> at the very start (no launcher
/// prefix or progress bar can start there), single <c>", "</c> separators, no <c>%</c> (no progress bar), names
/// with no comma, and numbers that end in a digit followed directly by the unit the character path strips.
/// </summary>
internal sealed class MlxLmIterLines
{
    /// <summary>A log has two or three shapes; a file with many more is not worth learning further.</summary>
    private const int MaxShapes = 16;

    /// <summary>More fields than this on one line are left to the character path.</summary>
    public const int MaxFields = IByteLineParser.MaxValues;

    private readonly List<Shape> _shapes = [];
    private Shape? _last;

    /// <summary>
    /// The lines <see cref="TryRead"/> may take, told without reading a number: <c>Iter </c> at the very start,
    /// printable ASCII only, no <c>%</c>. The character path takes each of them as it is (see the class summary).
    /// </summary>
    public static bool CouldRead(ReadOnlySpan<byte> line) =>
        line.Length is >= 10 and <= 4096 && line.StartsWith("Iter "u8) &&
        line.IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0 && !line.Contains((byte)'%');

    /// <summary>Reads step and values of an <c>Iter</c> line into <paramref name="values"/>, or returns false.</summary>
    [MethodImpl(HotPath.Optimised)]
    public bool TryRead(ReadOnlySpan<byte> line, Span<double> values, out long step, out Shape shape)
    {
        step = 0;
        shape = null!;
        // A line too long for its values to be few is the character path's (and its limit's) business.
        if (line.Length > 4096 || line.Length < 10 || !line.StartsWith("Iter "u8)) return false;
        var p = 5;
        uint d;
        while (p < line.Length && (d = (uint)(line[p] - '0')) <= 9)
        {
            step = step * 10 + d;
            p++;
        }
        if (p == 5 || p > 5 + 18 || p + 1 >= line.Length || line[p] != (byte)':' || line[p + 1] != (byte)' ') return false;
        var body = line[(p + 2)..];
        if (_last is { } last && last.TryMatch(body, values))
        {
            shape = last;
            return true;
        }
        foreach (var known in _shapes)
        {
            if (known == _last || !known.TryMatch(body, values)) continue;
            shape = _last = known;
            return true;
        }
        if (_shapes.Count >= MaxShapes || Shape.Learn(body) is not { } learned || !learned.TryMatch(body, values)) return false;
        _shapes.Add(learned);
        shape = _last = learned;
        return true;
    }

    /// <summary>
    /// One line shape: the literal text before each number and after the last (<c>"Train loss "</c>,
    /// <c>", Learning Rate "</c>, …, <c>" GB"</c>) and the metric names. The writers are resolved by the parser on
    /// first use and forgotten when the run they belong to changes.
    /// </summary>
    internal sealed class Shape
    {
        private readonly byte[][] _literals;

        private Shape(byte[][] literals, string[] names)
        {
            _literals = literals;
            Names = names;
            Writers = new SeriesWriter?[names.Length];
        }

        public string[] Names { get; }
        public SeriesWriter?[] Writers { get; }
        public RunDraft? WritersRun { get; set; }
        public int WritersVersion { get; set; }

        /// <summary>True once every writer is looked up and no two names share one.</summary>
        public bool WritersDistinct { get; set; }

        [MethodImpl(HotPath.Optimised)]
        public bool TryMatch(ReadOnlySpan<byte> body, Span<double> values)
        {
            var literals = _literals;
            var p = 0;
            var fields = literals.Length - 1;
            for (var i = 0; i < fields; i++)
            {
                var literal = literals[i];
                if (!ShortBytes.StartsWith(body[p..], literal)) return false;
                p += literal.Length;
                if (!Utf8Decimal.TryRead(body[p..], out values[i], out var length)) return false;
                p += length;
            }
            return ShortBytes.Equal(body[p..], literals[fields]);
        }

        /// <summary>
        /// Learns the shape of a line body (the text after <c>"Iter N: "</c>) the way the character path splits it:
        /// parts between commas, the name before the last space, a unit word (<c>GB</c>, <c>MB</c>, <c>s</c>) or
        /// suffix stripped from the number. Null when the line has anything the byte path does not take.
        /// </summary>
        public static Shape? Learn(ReadOnlySpan<byte> body)
        {
            if (body.StartsWith("Saved "u8)) return null;
            var literals = new List<byte[]>();
            var names = new List<string>();
            ReadOnlySpan<byte> unitBefore = [];
            var p = 0;
            while (true)
            {
                if (names.Count >= MaxFields) return null;
                var comma = body[p..].IndexOf((byte)',');
                var part = comma < 0 ? body[p..] : body.Slice(p, comma);
                if (!TrySplit(part, out var nameLength, out var numberStart, out var numberLength)) return null;
                var name = part[..nameLength];
                var literal = new byte[unitBefore.Length + (names.Count > 0 ? 2 : 0) + numberStart];
                unitBefore.CopyTo(literal);
                var at = unitBefore.Length;
                if (names.Count > 0) { literal[at++] = (byte)','; literal[at++] = (byte)' '; }
                part[..numberStart].CopyTo(literal.AsSpan(at));
                literals.Add(literal);
                names.Add(System.Text.Encoding.ASCII.GetString(name));
                unitBefore = part[(numberStart + numberLength)..];
                if (comma < 0) break;
                p += comma + 1;
                if (p >= body.Length || body[p] != (byte)' ') return null;
                p++;
            }
            literals.Add(unitBefore.ToArray());
            return new Shape([.. literals], [.. names]);
        }

        /// <summary>
        /// "Train loss 2.061", "Val took 28.140s", "Peak mem 7.906 GB": where the name ends and the number starts
        /// and ends. Mirrors the character path's split; refuses parts it could read differently.
        /// </summary>
        private static bool TrySplit(ReadOnlySpan<byte> part, out int nameLength, out int numberStart, out int numberLength)
        {
            nameLength = numberStart = numberLength = 0;
            if (part.IsEmpty || part[0] == (byte)' ' || part[^1] == (byte)' ') return false;
            foreach (var b in part)
            {
                // Printable ASCII only: nothing to decode, strip or repair, and no tab or other space the
                // character path would trim. A percent sign could start a progress bar ("45%|###").
                if (b < 0x20 || b > 0x7E || b == (byte)'%') return false;
            }
            var last = part.LastIndexOf((byte)' ');
            if (last <= 0) return false;
            var word = part[(last + 1)..];
            var numberEnd = part.Length;
            if (word.SequenceEqual("GB"u8) || word.SequenceEqual("MB"u8) || word.SequenceEqual("s"u8))
            {
                var inner = part[..last].LastIndexOf((byte)' ');
                if (inner <= 0) return false;
                numberEnd = last;
                last = inner;
            }
            else if (word.EndsWith("GB"u8) || word.EndsWith("MB"u8))
            {
                numberEnd -= 2;
            }
            else if (word.Length > 1 && word[^1] == (byte)'s' && (uint)(word[^2] - '0') <= 9)
            {
                numberEnd -= 1;
            }
            nameLength = last;
            numberStart = last + 1;
            numberLength = numberEnd - numberStart;
            if (part[nameLength - 1] == (byte)' ') return false;
            // The number must be one whole decimal ending in a digit; nan, inf and the rest go the character way.
            return numberLength > 0 && Utf8Decimal.TryRead(part.Slice(numberStart, numberLength), out _, out var read) && read == numberLength;
        }
    }
}
