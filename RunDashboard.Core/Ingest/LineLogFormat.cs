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
        var remaining = stream.CanSeek ? stream.Length - stream.Position : -1;
        var pipelined = !context.CharLinesOnly && Environment.ProcessorCount > 1 && remaining >= context.PipelineFromBytes;
        Fast.LinePipeline? pipeline = null;
        // With the pipeline, the reader runs on the reading thread: its problems go into the batches, in line order.
        void Report(int line, string message)
        {
            if (pipeline is null) context.Report(line, message);
            else pipeline.Report(line, message);
        }
        // A file complete on disk is read ahead on a third thread (reading its pages took a fifth of the reading
        // thread's time). An upload still arriving is not: its bytes come from memory as fast as the socket gives them.
        using var ahead = pipelined && stream is FileStream ? new Fast.ReadAheadStream(stream) : null;
        using var reader = new LogLineReader(ahead ?? stream, pipelined ? Report : context.Report, leaveOpen: true, stripPrefixes: StripsPrefixes, maxLineBytes: context.Limits.MaxLineBytes);
        var parser = Begin(context, reader);
        var lines = new LineLoop(context, parser, ChecksDroppedLines, cancellationToken);
        if (parser is Fast.IByteLineParser bytes && !context.CharLinesOnly)
        {
            if (pipelined)
            {
                // Reading, cleaning and number parsing on one thread; series, events and problems on this one.
                pipeline = new Fast.LinePipeline(reader, bytes, lines, context.PipelineSplit);
                pipeline.Run(cancellationToken);
            }
            else
            {
                reader.ByteLines = lines;
            }
        }
        if (pipeline is null)
        {
            while (reader.Next()) lines.Line(reader.Line, reader.LineNumber);
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
}

/// <summary>The per-file half of a <see cref="LineLogFormat"/>.</summary>
public interface ILineParser
{
    void Line(ReadOnlySpan<char> line, int lineNumber);

    void End();
}
