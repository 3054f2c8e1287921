namespace RunDashboard.Core.Ingest;

/// <summary>Base for formats read line by line from console output; the reader does the cleaning.</summary>
public abstract class LineLogFormat : ILogFormat
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    public abstract FormatMatch Match(FileSample sample);

    /// <summary>Starts the parse of one file; the returned object holds that file's state.</summary>
    protected abstract ILineParser Begin(ImportContext context, LogLineReader reader);

    /// <summary>
    /// A line a dedicated reader passes over although it carries a step and a loss or learning rate goes to the
    /// generic reader (another process of the same job prints its own lines: DeepSpeed's <c>steps: N loss: …</c>
    /// beside Megatron's iteration lines); if that reads nothing either, it is reported: nothing that looks like a
    /// metric is dropped silently. The generic reader reads such lines itself.
    /// </summary>
    protected virtual bool ChecksDroppedLines => true;

    /// <summary>False for tables, whose first column must not be taken for a timestamp prefix.</summary>
    protected virtual bool StripsPrefixes => true;

    public void Parse(Stream stream, ImportContext context, CancellationToken cancellationToken)
    {
        using var reader = new LogLineReader(stream, context.Report, leaveOpen: true, stripPrefixes: StripsPrefixes, maxLineBytes: context.Limits.MaxLineBytes);
        var parser = Begin(context, reader);
        var lines = new Lines(context, parser, ChecksDroppedLines, cancellationToken);
        if (parser is Fast.IByteLineParser && !context.CharLinesOnly) reader.ByteLines = lines;
        while (reader.Next())
        {
            lines.Line(reader.Line, reader.LineNumber);
        }
        parser.End();
        lines.End();
        context.LinesRead = reader.LineNumber;
        context.LinesRepaired = reader.LinesRepaired;
        if (reader.OtherRankLines > 0)
        {
            context.Note($"several ranks print the same output: kept rank {reader.LowestRank}, skipped {reader.OtherRankLines:N0} lines of higher ranks");
        }
    }

    /// <summary>
    /// Hands each line to the format's parser, then to the generic reader when the parser passed over a line that
    /// looks like a metric line; lines the parser reads from their bytes get the same treatment.
    /// </summary>
    private sealed class Lines(ImportContext context, ILineParser parser, bool checksDroppedLines, CancellationToken cancellationToken) : Fast.IByteLineParser
    {
        private readonly Fast.IByteLineParser? _bytes = parser as Fast.IByteLineParser;
        private Generic.GenericTextParser? _others;
        private char[] _chars = [];

        public void Line(ReadOnlySpan<char> line, int lineNumber)
        {
            if ((lineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            var before = context.PointLines + context.ProblemLines;
            parser.Line(line, lineNumber);
            AfterParser(line, lineNumber, before);
        }

        public bool TryLine(ReadOnlySpan<byte> line, int lineNumber)
        {
            if ((lineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            var before = context.PointLines + context.ProblemLines;
            if (!_bytes!.TryLine(line, lineNumber)) return false;
            context.ByteLines++;
            if (checksDroppedLines && context.PointLines + context.ProblemLines == before)
            {
                // Rare (every value replaced nothing and said nothing): the text is ASCII, so widening it is decoding it.
                if (_chars.Length < line.Length) _chars = new char[line.Length];
                System.Text.Ascii.ToUtf16(line, _chars, out var written);
                AfterParser(_chars.AsSpan(0, written), lineNumber, before);
            }
            return true;
        }

        private void AfterParser(ReadOnlySpan<char> line, int lineNumber, long before)
        {
            if (!checksDroppedLines || context.PointLines + context.ProblemLines != before || DroppedLines.Metric(line) is null) return;
            _others ??= new Generic.GenericTextParser(context, beside: true);
            _others.Line(line, lineNumber);
            if (context.PointLines + context.ProblemLines == before) DroppedLines.Check(line, lineNumber, context);
        }

        public void End() => _others?.End();
    }
}

/// <summary>The per-file half of a <see cref="LineLogFormat"/>.</summary>
public interface ILineParser
{
    void Line(ReadOnlySpan<char> line, int lineNumber);

    void End();
}
