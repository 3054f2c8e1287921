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
        if (_byKey.TryGetValue(key, out var run)) return run;
        run = new RunDraft(this, key);
        _byKey[key] = run;
        _runs.Add(run);
        return run;
    }

    public void Report(int line, string message)
    {
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
