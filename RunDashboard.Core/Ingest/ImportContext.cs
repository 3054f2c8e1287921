using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>What a parser writes into while it reads one file: the runs it finds and the problems it meets.</summary>
public sealed class ImportContext
{
    /// <summary>Past this many problems only the count goes on, so a garbage file cannot fill memory with messages.</summary>
    public const int MaxProblems = 500;
    public const int MaxEventsPerRun = 10_000;

    private readonly List<RunDraft> _runs = [];
    private readonly Dictionary<string, RunDraft> _byKey = new(StringComparer.Ordinal);
    private readonly List<ImportProblem> _problems = [];

    public ImportContext(string fileName, IChunkSink sink, int chunkSize = SeriesChunk.DefaultSize)
    {
        FileName = fileName;
        Sink = sink;
        ChunkSize = chunkSize;
    }

    public string FileName { get; }

    /// <summary>The user's corrections of the reading (step field, renames); none by default.</summary>
    public ReadingHints Hints { get; init; } = ReadingHints.None;

    public IngestLimits Limits { get; init; } = new();

    /// <summary>
    /// Reads every line through the character path (decode, clean, parse), even where a format could read it from
    /// its bytes; the two must give the same import, and tests compare them.
    /// </summary>
    internal bool CharLinesOnly { get; init; }

    /// <summary>
    /// From this many bytes on, a format that reads lines from their bytes reads them on a second thread while this
    /// one builds the series (tests lower it to exercise the pipeline on small inputs).
    /// </summary>
    internal long PipelineFromBytes { get; init; } = DefaultPipelineFromBytes;

    /// <summary>
    /// Below about 4 MB a second thread saves less than it costs to start and feed. Above, on a 2-core machine with
    /// the other core free, a 200 MB MLX-LM log parses in about two thirds of the one-thread time; when other work
    /// holds that core the hand-over makes it slower than one thread (measured here while other builds ran: 420–650
    /// MB/s against 720–870 MB/s), which is why callers can move the threshold.
    /// </summary>
    internal const long DefaultPipelineFromBytes = 4L * 1024 * 1024;

    /// <summary>Which thread of the pipeline reads numbers; balanced but for tests.</summary>
    internal Fast.PipelineSplit PipelineSplit { get; init; }

    /// <summary>Lines a format read straight from their bytes (the rest went through the character path).</summary>
    public long ByteLines { get; internal set; }

    /// <summary>The format reading the file, for messages.</summary>
    public string FormatName { get; init; } = "";
    internal IChunkSink Sink { get; }
    internal int ChunkSize { get; }
    public IReadOnlyList<RunDraft> Runs => _runs;
    public IReadOnlyList<ImportProblem> Problems => _problems;
    public long ProblemCount { get; private set; }
    public long LinesRead { get; internal set; }

    /// <summary>Lines whose text was repaired (mojibake undone, a cut character dropped).</summary>
    public long LinesRepaired { get; internal set; }

    /// <summary>The run with this key, created on first use; single-run formats use the default key.</summary>
    public RunDraft Run(string key = "")
    {
        if (_byKey.TryGetValue(key, out var run)) return run.Latest;
        run = new RunDraft(this, key);
        _byKey[key] = run;
        _runs.Add(run);
        return run;
    }

    internal RunDraft CreateSuccessor(RunDraft previous)
    {
        var next = new RunDraft(this, previous.Key);
        _runs.Add(next);
        return next;
    }

    private readonly List<string> _notes = [];
    private readonly List<TemplateReading> _readings = [];
    private int _lastPointLine;
    private int _lastProblemLine;

    /// <summary>What the reader wants the user to know that is no problem: ranks skipped, runs split, resumes.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>The line shapes the generic reader used, for the report.</summary>
    public IReadOnlyList<TemplateReading> Readings => _readings;

    /// <summary>Lines that gave at least one point.</summary>
    public long PointLines { get; private set; }

    /// <summary>Lines with at least one problem.</summary>
    public long ProblemLines { get; private set; }

    public void Note(string message)
    {
        if (_notes.Count < 100) _notes.Add(message);
    }

    public void AddReading(TemplateReading reading) => _readings.Add(reading);

    internal void CountPoint(int line)
    {
        if (line == _lastPointLine || line <= 0) return;
        _lastPointLine = line;
        PointLines++;
    }

    public void Report(int line, string message)
    {
        if (line > 0 && line != _lastProblemLine)
        {
            _lastProblemLine = line;
            ProblemLines++;
        }
        ProblemCount++;
        if (_problems.Count < MaxProblems) _problems.Add(new ImportProblem(FileName, line, message));
    }

    internal void AddEvent(RunDraft run, RunEvent e)
    {
        if (run.Events.Count < MaxEventsPerRun) run.Events.Add(e);
        else if (run.Events.Count == MaxEventsPerRun) Report(e.Line, $"more than {MaxEventsPerRun} events; later ones are not kept");
    }

    /// <summary>Hands the last, partly filled chunks to the sink; the ingestor calls it when a parse ends.</summary>
    public void Flush()
    {
        foreach (var r in _runs) r.Flush();
    }
}
