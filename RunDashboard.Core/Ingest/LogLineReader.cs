using System.Text;
using System.Text.Unicode;
using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Ingest.Lines;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Streams the lines of a captured console log without holding the file in memory, and cleans them the way a
/// terminal would have shown them: CRLF and bare CR handled (each <c>\r</c>-separated redraw is its own segment,
/// so tqdm redraws never reach a parser), ANSI colour codes removed, tqdm progress bars dropped, mojibake repaired
/// (<see cref="TextRepair"/>), and launcher/logger prefixes removed (<see cref="LinePrefix"/>): when several ranks
/// print, only the lowest rank's lines are kept. Line numbers count <c>\n</c> lines, as the user's editor does.
/// The span returned by <see cref="Line"/> is valid until the next call to <see cref="Next"/>.
/// </summary>
public sealed class LogLineReader : IDisposable
{
    private readonly int _maxLineBytes;
    private readonly long _skippedLength;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Action<int, string>? _report;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private bool _eof;
    private char[] _chars = new char[4096];
    private int _charCount;
    private int _segmentStart;
    private int _segmentEnd;
    private int _nextSegment = -1;
    private bool _firstLine = true;
    private readonly bool _stripPrefixes;
    private string? _lastPrefix;
    private int _lastPrefixRank = -1;

    public LogLineReader(Stream stream, Action<int, string>? report = null, bool leaveOpen = false, int bufferSize = 1 << 16, bool stripPrefixes = true,
        int maxLineBytes = 16 * 1024 * 1024)
    {
        _maxLineBytes = Math.Max(bufferSize, maxLineBytes);
        // The buffer doubles from its first size and a line that fills it at or past the limit is skipped, so the
        // line length that is skipped is the first doubling at or past the limit; blocks read ahead keep that rule.
        _skippedLength = bufferSize;
        while (_skippedLength < _maxLineBytes) _skippedLength *= 2;
        _stream = stream;
        _report = report;
        _leaveOpen = leaveOpen;
        _stripPrefixes = stripPrefixes;
        _ahead = stream as ReadAheadStream;
        _buffer = _ahead is null ? new byte[bufferSize] : [];
    }

    /// <summary>A stream read ahead on another thread: the reader takes its blocks whole instead of copying them.</summary>
    private readonly ReadAheadStream? _ahead;

    /// <summary>True while <see cref="_buffer"/> is a block of <see cref="_ahead"/>, to be given back when done.</summary>
    private bool _bufferIsBlock;

    /// <summary>The lowest rank seen in a rank prefix so far (-1 when no line named a rank).</summary>
    public int LowestRank { get; private set; } = -1;

    /// <summary>The rank the current line's prefix named, or -1.</summary>
    public int Rank { get; private set; } = -1;

    /// <summary>Lines skipped because a lower rank prints the same output.</summary>
    public long OtherRankLines { get; private set; }

    /// <summary>Lines that had a launcher or logger prefix removed.</summary>
    public long PrefixedLines { get; private set; }

    /// <summary>1-based number of the physical line the current segment came from.</summary>
    public int LineNumber { get; private set; }
    public long BytesRead { get; private set; }
    public long LinesRepaired { get; private set; }
    public long ProgressBarsSkipped { get; private set; }

    /// <summary>The last tqdm position seen (<c>84/187</c> → 84 of 187), or null; step counts for logs that print none.</summary>
    public (long Current, long Total)? LastProgress { get; private set; }

    private readonly Dictionary<long, long> _progressByTotal = [];

    /// <summary>
    /// Where the bar with this total last stood. Training and evaluation bars interleave; asking by total keeps
    /// the training position when an evaluation bar was drawn last.
    /// </summary>
    public long? ProgressOf(long total) => _progressByTotal.TryGetValue(total, out var current) ? current : null;

    public ReadOnlySpan<char> Line => _chars.AsSpan(_segmentStart, _segmentEnd - _segmentStart);

    /// <summary>
    /// Offered every physical line before it is decoded; the lines it takes are counted but not returned by
    /// <see cref="Next"/>. It takes only lines the cleaning would leave as they are, so the reader's state after
    /// such a line is that of a plain line without a prefix.
    /// </summary>
    internal IPlainLineTaker? ByteLines { get; set; }

    public bool Next()
    {
        while (true)
        {
            if (_nextSegment >= 0 && NextSegment()) return true;
            if (!ReadPhysicalLine()) return false;
            _nextSegment = 0;
        }
    }

    /// <summary>Yields the next non-empty, non-progress-bar <c>\r</c> segment of the current line.</summary>
    private bool NextSegment()
    {
        var chars = _chars.AsSpan(0, _charCount);
        while (_nextSegment >= 0 && _nextSegment <= _charCount)
        {
            var start = _nextSegment;
            var cr = chars[start..].IndexOf('\r');
            var end = cr < 0 ? _charCount : start + cr;
            _nextSegment = cr < 0 ? -1 : end + 1;
            var segment = chars[start..end];
            if (segment.IsWhiteSpace()) continue;
            if (_stripPrefixes)
            {
                // Launchers repeat one constant prefix ("[rank0]: ", "node-07: "): reuse the last one found when the
                // line starts with it and nothing after it is another prefix element.
                int skip, rank;
                if (_lastPrefix is { Length: > 0 } last && segment.StartsWith(last) && LinePrefix.Strip(segment[last.Length..], out var more) == 0 && more < 0)
                {
                    skip = last.Length;
                    rank = _lastPrefixRank;
                }
                else
                {
                    skip = LinePrefix.Strip(segment, out rank);
                    // A prefix with a timestamp simply fails the StartsWith test on the next line.
                    _lastPrefix = skip > 0 ? segment[..skip].ToString() : null;
                    _lastPrefixRank = rank;
                }
                Rank = rank;
                if (skip > 0)
                {
                    PrefixedLines++;
                    start += skip;
                    segment = chars[start..end];
                    if (segment.IsWhiteSpace()) continue;
                }
                if (rank >= 0)
                {
                    if (LowestRank < 0 || rank < LowestRank) LowestRank = rank;
                    else if (rank > LowestRank) { OtherRankLines++; continue; }
                }
            }
            var afterBar = ProgressBar.EndOf(segment);
            if (afterBar >= 0)
            {
                if (ProgressBar.TryReadPosition(segment[..afterBar], out var current, out var total))
                {
                    LastProgress = (current, total);
                    _progressByTotal[total] = current;
                    if (segment[afterBar..].IsWhiteSpace() && ProgressBar.AsMetricLine(segment[..afterBar], current, total, chars[start..end]) is > 0 and var length)
                    {
                        // A bar whose postfix carries metrics ("… 943/3280 [18:48<46:37,  1.20s/it, avr_loss=0.12]") is a
                        // metric line at the bar's position; it was rewritten at the end of its own segment, the bar dropped.
                        _segmentStart = end - length;
                        _segmentEnd = end;
                        return true;
                    }
                }
                ProgressBarsSkipped++;
                if (segment[afterBar..].IsWhiteSpace()) continue;
                start += afterBar;
                // The last drawing of a bar has no newline: the logger's next line, prefix and all, follows it.
                if (_stripPrefixes && LinePrefix.Strip(chars[start..end], out _) is > 0 and var after)
                {
                    PrefixedLines++;
                    start += after;
                }
            }
            _segmentStart = start;
            _segmentEnd = end;
            return true;
        }
        _nextSegment = -1;
        return false;
    }

    private bool ReadPhysicalLine()
    {
        while (true)
        {
            var window = _buffer.AsSpan(_start, _end - _start);
            var nl = window.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                if (nl >= _skippedLength && _bufferIsBlock)
                {
                    SkipLongLineInBlock(nl + 1);
                    continue;
                }
                if (ByteLines is { } byteLines && byteLines.TryTake(WithoutCr(window[..nl]), LineNumber + 1))
                {
                    TookBytes(nl + 1);
                    continue;
                }
                Decode(window[..nl]);
                _start += nl + 1;
                BytesRead += nl + 1;
                return true;
            }
            if (_eof)
            {
                if (window.Length == 0) return false;
                if (window.Length >= _skippedLength && _bufferIsBlock)
                {
                    SkipLongLineInBlock(window.Length);
                    continue;
                }
                if (ByteLines is { } byteLines && byteLines.TryTake(WithoutCr(window), LineNumber + 1))
                {
                    TookBytes(window.Length);
                    continue;
                }
                Decode(window);
                BytesRead += window.Length;
                _start = _end;
                return true;
            }
            Fill();
        }
    }

    private static ReadOnlySpan<byte> WithoutCr(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    /// <summary>A line the byte parser took: counted, and it leaves the state a plain line without a prefix leaves.</summary>
    private void TookBytes(int length)
    {
        LineNumber++;
        _start += length;
        BytesRead += length;
        _firstLine = false;
        _lastPrefix = null;
        _lastPrefixRank = -1;
        Rank = -1;
    }

    private void Fill()
    {
        if (_ahead is { } ahead && _end - _start <= ReadAheadStream.Headroom)
        {
            if (_end - _start >= _skippedLength)
            {
                SkipLongLine();
                return;
            }
            // The unfinished line goes into the free room before the next block's bytes: nothing else is copied.
            if (!ahead.TryTakeBlock(out var block, out var at, out var length))
            {
                _eof = true;
                return;
            }
            var tail = _end - _start;
            _buffer.AsSpan(_start, tail).CopyTo(block.AsSpan(at - tail));
            if (_bufferIsBlock) ahead.ReturnBlock(_buffer);
            _buffer = block;
            _bufferIsBlock = true;
            _start = at - tail;
            _end = at + length;
            return;
        }
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        // A block is larger than the smallest limit a line may have: there the unfinished line's own length decides.
        // A block is larger than the smallest limit a line may have: there the unfinished line's own length decides.
        if (_end == _buffer.Length || (_bufferIsBlock && _end >= _skippedLength))
        {
            if (_buffer.Length >= _maxLineBytes || _end >= _skippedLength)
            {
                SkipLongLine();
                return;
            }
            var full = _buffer;
            Array.Resize(ref _buffer, _buffer.Length * 2);
            if (_bufferIsBlock) _ahead!.ReturnBlock(full);
            _bufferIsBlock = false;
        }
        var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    /// <summary>A "line" this long is not a log line; skip to the next newline rather than grow without bound.</summary>
    private void SkipLongLine()
    {
        ReportLongLine();
        SkipToNewline();
    }

    /// <summary>
    /// A line whole in a block read ahead, but one a buffer growing to the limit would have been filled by:
    /// skipped as that buffer would have skipped it.
    /// </summary>
    private void SkipLongLineInBlock(int length)
    {
        ReportLongLine();
        LineNumber++;
        _start += length;
        BytesRead += length;
    }

    private void ReportLongLine() => _report?.Invoke(LineNumber + 1, $"line longer than Limits:MaxLineBytes ({_maxLineBytes:N0} bytes) skipped");

    private void SkipToNewline()
    {
        BytesRead += _end - _start;
        _start = _end = 0;
        while (true)
        {
            var read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0) { _eof = true; return; }
            var nl = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                LineNumber++;
                BytesRead += nl + 1;
                _start = nl + 1;
                _end = read;
                return;
            }
            BytesRead += read;
        }
    }

    private void Decode(ReadOnlySpan<byte> bytes)
    {
        LineNumber++;
        if (_firstLine)
        {
            _firstLine = false;
            if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        }
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];

        bool ascii = Ascii.IsValid(bytes);
        if (ascii)
        {
            Ascii.ToUtf16(bytes, _chars, out _charCount);
        }
        else
        {
            Utf8.ToUtf16(bytes, _chars, out _, out _charCount, replaceInvalidSequences: true);
        }
        if (bytes.Contains((byte)0x1B)) _charCount = AnsiCodes.Strip(_chars.AsSpan(0, _charCount));
        if (!ascii) RepairMojibake();
    }

    private void RepairMojibake()
    {
        var repaired = TextRepair.Repair(_chars.AsSpan(0, _charCount), out var cut);
        if (repaired is null) return;
        LinesRepaired++;
        if (cut) _report?.Invoke(LineNumber, "a character cut in half at the end of the line was dropped");
        if (_chars.Length < repaired.Length) _chars = new char[repaired.Length];
        repaired.CopyTo(_chars);
        _charCount = repaired.Length;
    }

    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }
}
