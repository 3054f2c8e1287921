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
        Generic.GenericTextParser? others = null;
        while (reader.Next())
        {
            if ((reader.LineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            var before = context.PointLines + context.ProblemLines;
            parser.Line(reader.Line, reader.LineNumber);
            if (!ChecksDroppedLines || context.PointLines + context.ProblemLines != before || DroppedLines.Metric(reader.Line) is null) continue;
            others ??= new Generic.GenericTextParser(context, beside: true);
            others.Line(reader.Line, reader.LineNumber);
            if (context.PointLines + context.ProblemLines == before) DroppedLines.Check(reader.Line, reader.LineNumber, context);
        }
        parser.End();
        others?.End();
        context.LinesRead = reader.LineNumber;
        context.LinesRepaired = reader.LinesRepaired;
        if (reader.OtherRankLines > 0)
        {
            context.Note($"several ranks print the same output: kept rank {reader.LowestRank}, skipped {reader.OtherRankLines:N0} lines of higher ranks");
        }
    }
}

/// <summary>The per-file half of a <see cref="LineLogFormat"/>.</summary>
public interface ILineParser
{
    void Line(ReadOnlySpan<char> line, int lineNumber);

    void End();
}
