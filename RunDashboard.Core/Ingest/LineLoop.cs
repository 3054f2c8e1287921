using System.Runtime.CompilerServices;
using RunDashboard.Core.Ingest.Fast;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// What happens to each line of a <see cref="LineLogFormat"/>: the format's parser reads it, then the generic
/// reader gets a line the parser passed over although it looks like a metric line. Lines read from their bytes
/// (<see cref="IByteLineParser"/>) get the same treatment as decoded ones.
/// </summary>
internal sealed class LineLoop(ImportContext context, ILineParser parser, bool checksDroppedLines, CancellationToken cancellationToken) : IPlainLineTaker
{
    private readonly IByteLineParser? _bytes = parser as IByteLineParser;
    private readonly double[] _values = new double[IByteLineParser.MaxValues];
    private Generic.GenericTextParser? _others;
    private char[] _chars = [];

    public ImportContext Context => context;

    public void Line(ReadOnlySpan<char> line, int lineNumber)
    {
        if ((lineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        var before = context.PointLines + context.ProblemLines;
        parser.Line(line, lineNumber);
        AfterParser(line, lineNumber, before);
    }

    [MethodImpl(HotPath.Optimised)]
    public bool TryTake(ReadOnlySpan<byte> line, int lineNumber)
    {
        if (!_bytes!.TryRead(line, _values, out var step, out var shape, out var count)) return false;
        Row(shape, step, _values.AsSpan(0, count), lineNumber, line);
        return true;
    }

    /// <summary>Applies a line the byte parser read; <paramref name="line"/> is its text, needed only in the rare case below.</summary>
    [MethodImpl(HotPath.Optimised)]
    public void Row(object shape, long step, ReadOnlySpan<double> values, int lineNumber, ReadOnlySpan<byte> line)
    {
        if ((lineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        var before = context.PointLines + context.ProblemLines;
        _bytes!.Apply(shape, step, values, lineNumber);
        context.ByteLines++;
        if (checksDroppedLines && context.PointLines + context.ProblemLines == before)
        {
            // Rare (every value replaced nothing and said nothing): the text is ASCII, so widening it is decoding it.
            if (_chars.Length < line.Length) _chars = new char[line.Length];
            System.Text.Ascii.ToUtf16(line, _chars, out var written);
            AfterParser(_chars.AsSpan(0, written), lineNumber, before);
        }
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
