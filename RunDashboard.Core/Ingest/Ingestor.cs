using System.Text;
using RunDashboard.Core.Ingest.Archives;
using RunDashboard.Core.Ingest.Formats;
using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Ingest.Lines;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Turns a file into runs without being told its format: samples the start, asks every format how sure it is,
/// and streams the file through the most confident one. When the start of a text file shows no metric line (long
/// preambles: argument dumps, model printouts), the sample is gathered from metric-looking lines anywhere in the
/// stream instead. UTF-16 logs are read as text. Knows nothing of storage: chunks go to the sink it is given.
/// </summary>
public sealed class Ingestor
{
    /// <summary>Below this a format's guess is not trusted.</summary>
    public const double MinConfidence = 0.3;

    public Ingestor(IEnumerable<ILogFormat> formats) => Formats = formats.ToArray();

    public IReadOnlyList<ILogFormat> Formats { get; }

    /// <summary>What one file may cost (line length, series and points per run, JSON read whole).</summary>
    public IngestLimits Limits { get; init; } = new();

    /// <summary>
    /// From this many bytes on, a format that reads lines from their bytes (MLX-LM) reads on a second thread while
    /// the calling thread builds the series. That is faster while a core is free and costs some CPU on top (the
    /// lines are handed over); a caller whose own threads keep the cores busy can raise it.
    /// </summary>
    internal long PipelineFromBytes { get; init; } = ImportContext.DefaultPipelineFromBytes;

    public static IReadOnlyList<ILogFormat> BuiltInFormats() =>
    [
        new MlxLmFormat(),
        new HfTrainerStdoutFormat(),
        new TrainerStateFormat(),
        new MetricsTableFormat(),
        new KeyValueBoxFormat(),
        new StepKeyValueFormat(),
        new NanoGptFormat(),
        new MegatronFormat(),
        new MetricsCsvFormat(),
        new RunsTableCsvFormat(),
        new MetricsJsonlFormat(),
        new ComparisonJsonFormat(),
        new SettingsJsonFormat(),
        new TfEventsFormat(),
        new MlflowFileStoreFormat(),
        new WandbFilesFormat(),
        new GenericTextFormat(),
    ];

    /// <summary>Metric-looking lines gathered from anywhere in the stream when the start shows none.</summary>
    public const int DeepSampleLines = 200;

    /// <summary>Below this size the generic reader double-checks a dedicated parser's point count.</summary>
    public const long CrossCheckBytes = 32L * 1024 * 1024;

    /// <summary>
    /// The lines it checks: a reader that misses a kind of line misses it from the start, and the generic reader
    /// (about 80 MB/s) reading a whole 30 MB file again was three quarters of that file's import.
    /// </summary>
    public const int CrossCheckLines = 30_000;

    public static Ingestor CreateDefault() => new(BuiltInFormats());

    public (ILogFormat? Format, FormatMatch Match) Detect(FileSample sample)
    {
        ILogFormat? best = null;
        var bestMatch = FormatMatch.None;
        foreach (var format in Formats)
        {
            var match = format.Match(sample);
            if (match.Confidence > bestMatch.Confidence)
            {
                best = format;
                bestMatch = match;
            }
        }
        return bestMatch.Confidence >= MinConfidence ? (best, bestMatch) : (null, bestMatch);
    }

    /// <summary>The most confident of the binary formats, or none below <see cref="MinConfidence"/>.</summary>
    private (ILogFormat? Format, FormatMatch Match) DetectBinary(FileSample sample)
    {
        ILogFormat? best = null;
        var bestMatch = FormatMatch.None;
        foreach (var format in Formats.OfType<IBinaryLogFormat>())
        {
            var match = format.Match(sample);
            if (match.Confidence > bestMatch.Confidence) (best, bestMatch) = (format, match);
        }
        return bestMatch.Confidence >= MinConfidence ? (best, bestMatch) : (null, bestMatch);
    }

    /// <summary>Parses one file. <paramref name="open"/> may be called twice: once to sample, once to parse.</summary>
    public FileImport Ingest(string fileName, Func<Stream> open, IChunkSink sink, CancellationToken cancellationToken = default) =>
        Ingest(fileName, open, sink, ReadingHints.None, cancellationToken);

    /// <summary>Parses one file with the user's corrections of the reading (step field, key renames).</summary>
    public FileImport Ingest(string fileName, Func<Stream> open, IChunkSink sink, ReadingHints hints, CancellationToken cancellationToken = default)
    {
        FileSample sample;
        using (var head = open()) sample = FileSample.Read(fileName, head);
        // Binary formats (TensorBoard's TFRecord event files) are asked before LooksBinary turns the file away.
        var (binaryFormat, binaryMatch) = sample.LooksBinary ? DetectBinary(sample) : (null, FormatMatch.None);
        string? encodingNote = null;
        if (binaryFormat is null && TextEncodings.Utf16Of(sample.Head) is { } utf16)
        {
            var inner = open;
            open = () => Encoding.CreateTranscodingStream(inner(), utf16, Encoding.UTF8);
            using (var head = open()) sample = FileSample.Read(fileName, head);
            encodingNote = $"read as {(utf16.CodePage == 1200 ? "UTF-16 LE" : "UTF-16 BE")} text";
        }

        if (sample.IsEmpty) return FileImport.Failed(fileName, $"{fileName} is empty (0 bytes)");
        if (sample.LooksBinary && binaryFormat is null) return FileImport.Failed(fileName, $"{fileName} is a binary file, not a text log or JSON/CSV export");
        if (binaryFormat is null && sample.Lines.Count == 0) return FileImport.Failed(fileName, $"{fileName} has no text (only blank lines)");

        var (format, match) = binaryFormat is not null ? (binaryFormat, binaryMatch) : Detect(sample);
        if (binaryFormat is null && (format is null || match.Confidence < 0.5) && (!sample.IsComplete || sample.Lines.Count >= 200) && !LooksStructured(sample))
        {
            var deep = DeepSample(sample, open, cancellationToken);
            if (deep is not null)
            {
                var (deepFormat, deepMatch) = Detect(deep);
                if (deepFormat is not null && deepMatch.Confidence > match.Confidence)
                {
                    (format, match) = (deepFormat, deepMatch with { Reason = deepMatch.Reason + " (found past the preamble)" });
                }
            }
        }
        if (format is null)
        {
            return FileImport.Failed(fileName, $"{fileName}: no metric lines recognised. {DescribeShapes(sample, open, cancellationToken)} " +
                $"Known formats: {string.Join(", ", Formats.Select(f => f.Description))}");
        }

        // Small enough to read a second time with the generic reader (asked once: opening may copy a zip member).
        var crossCheckable = format is LineLogFormat and not GenericTextFormat && Length(open) is > 0 and <= CrossCheckBytes;
        var context = new ImportContext(fileName, sink) { FormatName = format.Name, Hints = hints, Limits = Limits, PipelineFromBytes = PipelineFromBytes };
        try
        {
            using var stream = open();
            format.Parse(stream, context, cancellationToken);
        }
        catch (FormatException ex)
        {
            return FileImport.Failed(fileName, $"{fileName}: {ex.Message}", format.Name, context.Problems);
        }
        catch (System.Text.Json.JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : "";
            return FileImport.Failed(fileName, $"{fileName}: invalid JSON{where}: {ex.Message}", format.Name, context.Problems);
        }
        context.Flush();

        var crossChecked = false;
        if (format is StepKeyValueFormat && crossCheckable)
        {
            // The step/key=value reader takes any line that starts with a step; when the generic reader finds
            // clearly more in the file, the file is another trainer's and the generic reading is the better one.
            var (generic, dedicated) = CrossCheck(fileName, open, context, cancellationToken, report: false, wholeFile: true);
            crossChecked = true;
            if (generic > dedicated * 3 / 2 + 10)
            {
                context = new ImportContext(fileName, sink) { FormatName = "any-text", Hints = hints, Limits = Limits };
                var reader = Formats.OfType<GenericTextFormat>().FirstOrDefault() ?? new GenericTextFormat();
                using (var stream = open()) reader.Parse(stream, context, cancellationToken);
                context.Flush();
                context.Note($"read by the generic reader: it found {generic:N0} points where the {format.Description} reader found {dedicated:N0}");
                (format, match) = (reader, new FormatMatch(GenericTextFormat.Confidence, "metric lines learned from their repeating shape"));
            }
        }
        // A runs table has no history by design (one row per run, its metrics are summaries): many rows of numbers
        // would otherwise look like metric lines to the generic reader and turn thousands of runs into one.
        if (format is LineLogFormat and not GenericTextFormat and not RunsTableCsvFormat && !context.Runs.Any(r => r.HasMetrics))
        {
            // The dedicated reader matched the sample but read nothing: the generic reader gets its turn.
            var fallback = new ImportContext(fileName, sink) { FormatName = "any-text", Hints = hints, Limits = Limits };
            var generic = Formats.OfType<GenericTextFormat>().FirstOrDefault() ?? new GenericTextFormat();
            using (var stream = open()) generic.Parse(stream, fallback, cancellationToken);
            fallback.Flush();
            if (fallback.Runs.Any(r => r.HasMetrics))
            {
                fallback.Note($"{format.Description} matched the start ({match.Reason}) but read no metric; the generic reader read the file");
                (format, match, context) = (generic, new FormatMatch(GenericTextFormat.Confidence, "metric lines learned from their repeating shape"), fallback);
            }
        }
        if (encodingNote is not null) context.Note(encodingNote);
        if (!crossChecked && crossCheckable && format is not GenericTextFormat)
        {
            CrossCheck(fileName, open, context, cancellationToken, report: true, wholeFile: false, format);
        }
        NameRuns(context);
        var runs = context.Runs.Where(r => r.HasContent).ToList();
        if (runs.Count == 0)
        {
            return FileImport.Failed(fileName,
                $"{fileName}: looks like {format.Description} ({match.Reason}) but no metrics or settings were found in it",
                format.Name, context.Problems);
        }
        return new FileImport
        {
            FileName = fileName,
            Format = format.Name,
            FormatDescription = format.Description,
            FormatReason = match.Reason,
            Runs = runs,
            Problems = context.Problems,
            ProblemCount = context.ProblemCount,
            LinesRead = context.LinesRead,
            LinesRepaired = context.LinesRepaired,
            Lines = LineCounts.Of(context),
            Notes = context.Notes,
            Readings = context.Readings,
        };
    }

    /// <summary>Runs after the first of a file are told apart: "(2)", "(3)"… after the name they get.</summary>
    private static void NameRuns(ImportContext context)
    {
        if (context.Runs.Count(r => r.HasContent) <= 1) return;
        foreach (var run in context.Runs.Where(r => r.Ordinal > 1)) run.NameSuffix = $" ({run.Ordinal})";
    }

    private static bool LooksStructured(FileSample sample)
    {
        // A JSON document, not a log line that starts with a bracket ("[rank0]:", "[2024-05-01 …]", "[dual16] …").
        var start = sample.TextStart;
        if (start.Length < 2) return false;
        return start[0] == '{' && (start[1] == '"' || char.IsWhiteSpace(start[1]))
            || start[0] == '[' && (start[1] is '{' or '[' || char.IsWhiteSpace(start[1]));
    }

    private static long Length(Func<Stream> open)
    {
        try
        {
            using var s = open();
            return s.CanSeek ? s.Length : -1;
        }
        catch (NotSupportedException)
        {
            return -1;
        }
    }

    /// <summary>
    /// Streams the file (never whole in memory) for lines that pair names with numbers, wherever they are, and
    /// keeps those of the shapes that repeat most: an environment dump early in the file does not crowd out the
    /// metric lines that follow it.
    /// </summary>
    private static FileSample? DeepSample(FileSample sample, Func<Stream> open, CancellationToken cancellationToken)
    {
        const int perShape = 40;
        var miner = new Templates.TemplateMiner();
        var byShape = new Dictionary<int, List<string>>();
        var fields = new List<LineField>();
        using var stream = open();
        using var reader = new LogLineReader(stream);
        while (reader.Next())
        {
            if ((reader.LineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            var line = reader.Line;
            if (line.Length > 2000 || line.IndexOfAnyInRange('0', '9') < 0) continue;
            LineFields.Read(line, fields);
            var labelled = fields.Count(f => f.HasLabel);
            if (labelled == 0 || !(line.Contains('{') || labelled >= 2)) continue;
            var shape = miner.Add(line, reader.LineNumber);
            if (shape is null) continue;
            if (!byShape.TryGetValue(shape.Id, out var lines)) byShape[shape.Id] = lines = [];
            if (lines.Count < perShape) lines.Add(line.ToString());
            // Enough of the repeating shapes seen: the rest of the file will not change the verdict.
            if (shape.Count >= 1000) break;
        }
        var chosen = miner.Templates.Where(t => t.Count >= 3).OrderByDescending(t => t.Count)
            .SelectMany(t => byShape.GetValueOrDefault(t.Id) ?? []).Take(DeepSampleLines).ToList();
        if (chosen.Count == 0) chosen = byShape.Values.SelectMany(l => l).Take(DeepSampleLines).ToList();
        return chosen.Count == 0 ? null : sample.WithLines(chosen);
    }

    /// <summary>When nothing is recognised, the three most frequent line shapes say what the file holds.</summary>
    private static string DescribeShapes(FileSample sample, Func<Stream> open, CancellationToken cancellationToken)
    {
        var miner = new Templates.TemplateMiner();
        using (var stream = open())
        using (var reader = new LogLineReader(stream))
        {
            while (reader.Next() && reader.LineNumber < 200_000)
            {
                if ((reader.LineNumber & 0x3FFF) == 0) cancellationToken.ThrowIfCancellationRequested();
                miner.Add(reader.Line.Length > 500 ? reader.Line[..500] : reader.Line, reader.LineNumber);
            }
        }
        var top = miner.Templates.OrderByDescending(t => t.Count).Take(3).ToList();
        if (top.Count == 0) return "The file has no text lines.";
        return "The most frequent line shapes were: " + string.Join("; ", top.Select(t =>
        {
            var text = t.Sample.Length > 80 ? t.Sample[..80] + "…" : t.Sample;
            return $"\"{text}\" ({t.Count:N0} lines from line {t.FirstLine})";
        })) + ". Metric lines need a name next to each number (loss=2.3, loss: 2.3, | loss 2.3 |) and a step (step, iter, epoch… or a number that increases line by line).";
    }

    /// <summary>
    /// Reads the file again with the generic reader: when it finds more points than the chosen parser, the
    /// dedicated parser missed something, and the report says so.
    /// </summary>
    /// <summary>
    /// The generic reader's points against the dedicated reader's, in the whole file or in its first
    /// <see cref="CrossCheckLines"/> lines, which <paramref name="dedicatedFormat"/> then reads again too (some
    /// readers hold their points until the end, so what they had at a line is not what that line gave).
    /// </summary>
    private (long Generic, long Dedicated) CrossCheck(string fileName, Func<Stream> open, ImportContext context, CancellationToken cancellationToken,
        bool report, bool wholeFile, ILogFormat? dedicatedFormat = null)
    {
        var probe = new ImportContext(fileName, NullSink.Instance);
        bool cut;
        using (var stream = open())
        {
            var first = wholeFile ? null : new FirstLinesStream(stream, CrossCheckLines);
            new GenericTextFormat().Parse(first ?? stream, probe, cancellationToken);
            cut = first is { Cut: true };
        }
        probe.Flush();
        var generic = PointsOf(probe);
        var dedicated = PointsOf(context);
        if (cut && dedicatedFormat is not null)
        {
            var again = new ImportContext(fileName, NullSink.Instance) { FormatName = context.FormatName, Hints = context.Hints, Limits = Limits };
            try
            {
                using var stream = open();
                dedicatedFormat.Parse(new FirstLinesStream(stream, CrossCheckLines), again, cancellationToken);
            }
            catch (FormatException)
            {
                return (generic, dedicated);
            }
            again.Flush();
            dedicated = PointsOf(again);
        }
        if (report && generic > dedicated * 1.1 + 10)
        {
            var theirs = string.Join(", ", probe.Runs.SelectMany(r => r.Series).OrderByDescending(s => s.Count).Take(6).Select(s => $"{s.Key} ({s.Count})"));
            var where = cut ? $"in the first {CrossCheckLines:N0} lines of this file" : "in this file";
            context.Report(0, $"the generic reader finds {generic:N0} points {where} where the {context.FormatName} reader found {dedicated:N0} ({theirs}); some metric lines may not have been read");
        }
        return (generic, dedicated);
    }

    private static long PointsOf(ImportContext context) => context.Runs.Sum(r => r.Series.Sum(s => s.Count));

    /// <summary>A stream's bytes up to and including its <c>n</c>-th newline.</summary>
    private sealed class FirstLinesStream(Stream inner, int lines) : ForwardReadStream
    {
        private int _left = lines;

        /// <summary>True once the stream ended at the <c>n</c>-th newline with more bytes after it.</summary>
        public bool Cut { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            if (_left == 0)
            {
                // Whether anything follows the last line given.
                Span<byte> one = stackalloc byte[1];
                Cut |= inner.Read(one) > 0;
                return 0;
            }
            var read = inner.Read(buffer);
            var span = buffer[..read];
            for (var at = 0; ; )
            {
                var nl = span[at..].IndexOf((byte)'\n');
                if (nl < 0) return read;
                at += nl + 1;
                if (--_left > 0) continue;
                Cut = at < read;
                return at;
            }
        }

    }

    private sealed class NullSink : IChunkSink
    {
        public static readonly NullSink Instance = new();
        public void Write(RunDraft run, Model.SeriesChunk chunk) { }
        public void Discard(RunDraft run, string key, int fromSequence) { }
    }
}
