using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>A run as a parser builds it: metadata, hyperparameters, events and series writers.</summary>
public sealed class RunDraft
{
    private readonly ImportContext _context;
    private readonly Dictionary<string, SeriesWriter> _byAlias = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SeriesWriter>.AlternateLookup<ReadOnlySpan<char>> _byAliasSpan;
    private readonly Dictionary<string, SeriesWriter> _byKey = new(StringComparer.Ordinal);
    private readonly List<SeriesWriter> _series = [];

    internal RunDraft(ImportContext context, string key, int ordinal = 1)
    {
        Ordinal = ordinal;
        _context = context;
        Key = key;
        _byAliasSpan = _byAlias.GetAlternateLookup<ReadOnlySpan<char>>();
        _maxPoints = context.Limits.MaxPointsPerRun;
    }

    /// <summary>Identifies the run inside its file (a W&amp;B run id in an export; empty for single-run logs).</summary>
    public string Key { get; }

    /// <summary>Id the run will be stored under; chunks written during the parse carry it.</summary>
    public string Id { get; internal set; } = RunIds.New();
    public string? Name { get; set; }

    /// <summary>" (2)" for the second run of a file, appended to whatever name the run is given.</summary>
    public string NameSuffix { get; set; } = "";

    /// <summary>
    /// The run that took over when the step restarted (a second training in the same log); parsers holding this
    /// draft keep writing and land in the newest run of the chain.
    /// </summary>
    public RunDraft? Successor { get; private set; }

    /// <summary>1 for the first run of a file, 2 for the one after the first restart, …</summary>
    public int Ordinal { get; private set; } = 1;

    /// <summary>The first step any series of this run logged; a step at or below it starts a new run.</summary>
    public long? FirstStep { get; private set; }

    /// <summary>Changes whenever a source name stops naming the writer it named (a rename); lets parsers cache writers.</summary>
    internal int Version { get; private set; }

    internal RunDraft Latest
    {
        get
        {
            var r = this;
            while (r.Successor is not null) r = r.Successor;
            return r;
        }
    }
    public string? Project { get; set; }
    public string? State { get; set; }
    public DateTime? CreatedAt { get; set; }
    public List<string> Tags { get; } = [];
    private readonly SortedDictionary<string, string> _hyperparameters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _summary = new(StringComparer.Ordinal);
    private readonly List<RunEvent> _events = [];
    // While the file is read, a parser holding an earlier run of the chain writes into the newest one; once the
    // parse ended (sealed), each run answers with its own.
    private bool _sealed;
    public SortedDictionary<string, string> Hyperparameters => Successor is null || _sealed ? _hyperparameters : Latest._hyperparameters;
    public Dictionary<string, double> Summary => Successor is null || _sealed ? _summary : Latest._summary;
    public List<RunEvent> Events => Successor is null || _sealed ? _events : Latest._events;
    public IReadOnlyList<SeriesWriter> Series => _series;

    /// <summary>True when the draft holds anything worth storing.</summary>
    public bool HasContent => _series.Count > 0 || _hyperparameters.Count > 0 || _summary.Count > 0 || _events.Count > 0;

    public bool HasMetrics => _series.Count > 0;

    /// <summary>Set by settings formats: the draft is configuration to attach to a run, not a run of its own.</summary>
    public bool IsSettingsOnly { get; set; }

    /// <summary>The writer for a source metric name; the canonical key is derived once per name.</summary>
    public SeriesWriter Metric(string alias) => Metric(alias, null);

    /// <summary>The writer for a source metric name mapped to an explicit canonical key.</summary>
    public SeriesWriter Metric(string alias, string? canonicalKey)
    {
        if (Successor is not null) return Latest.Metric(alias, canonicalKey);
        if (_byAlias.TryGetValue(alias, out var w)) return w;
        return Create(alias, canonicalKey ?? MetricKeys.Canonicalize(alias));
    }

    /// <summary>Allocation-free lookup for parsers that see the same names on every line.</summary>
    public SeriesWriter Metric(ReadOnlySpan<char> alias)
    {
        if (Successor is not null) return Latest.Metric(alias);
        if (_byAliasSpan.TryGetValue(alias, out var w)) return w;
        var s = alias.ToString();
        return Create(s, MetricKeys.Canonicalize(s));
    }

    public void AddEvent(long step, string kind, string message, int line) => _context.AddEvent(Latest, new RunEvent(step, kind, message, line));

    /// <summary>Gives a series another key while none of its chunks is written yet; false once it is.</summary>
    internal bool TryRekey(SeriesWriter series, string key, string alias)
    {
        if (!series.NothingWritten || _byKey.ContainsKey(key) || _byAlias.ContainsKey(alias)) return false;
        _byKey.Remove(series.Key);
        _byAlias.Remove(series.Alias);
        series.Key = key;
        series.Alias = alias;
        Version++;
        _byKey[key] = series;
        _byAlias[alias] = series;
        return true;
    }

    internal void NoteFirstStep(long step)
    {
        if (FirstStep is null || step < FirstStep) FirstStep = step;
    }

    /// <summary>The step went back to or below the first step: what follows is another run of the same file.</summary>
    internal RunDraft StartSuccessor(long step, int line)
    {
        var latest = Latest;
        var next = _context.CreateSuccessor(latest);
        next.Ordinal = latest.Ordinal + 1;
        _context.Note($"line {line}: the step went back to {step} (the run started at {latest.FirstStep}): a new run starts here ({next.Ordinal} in this file)");
        latest.Successor = next;
        return next;
    }

    private long? _lastResume;

    /// <summary>The step went back but stays above the first step: a resume from a checkpoint, marked once.</summary>
    internal void MarkResumed(long step, long previousLast, int line)
    {
        if (_lastResume == step) return;
        _lastResume = step;
        AddEvent(step, RunEvent.Resumed, $"resumed at step {step} (the log had reached step {previousLast}); later values replace the earlier ones", line);
    }

    public void Report(int line, string message) => _context.Report(line, message);

    /// <summary>True when the series of this source name already has a point at <paramref name="step"/>.</summary>
    public bool HasSeriesAt(string alias, long step) => _byAlias.TryGetValue(alias, out var w) && w.Count > 0 && w.LastStep == step;

    internal void CountPoint(int line) => _context.CountPoint(line);

    private long _points;
    private readonly long _maxPoints;

    /// <summary>Counts a point against <see cref="IngestLimits.MaxPointsPerRun"/>.</summary>
    internal void AddPoint() => AddPoints(1);

    /// <summary>Counts the points of one line against <see cref="IngestLimits.MaxPointsPerRun"/>.</summary>
    internal void AddPoints(int count)
    {
        if ((_points += count) > _maxPoints)
        {
            throw new FormatException($"more than Limits:MaxPointsPerRun ({_context.Limits.MaxPointsPerRun:N0}) points in one run; the file was not stored");
        }
    }

    private SeriesWriter Create(string alias, string key)
    {
        key = _context.Hints.KeyFor(alias, key);
        // Two source names can map to one canonical key (e.g. "loss" and "train_loss" in one file):
        // keep the first under the canonical key and the other under its own name, so nothing is merged silently.
        if (_byKey.ContainsKey(key)) key = alias;
        if (_byKey.TryGetValue(key, out var existing))
        {
            _byAlias[alias] = existing;
            return existing;
        }
        if (_series.Count >= _context.Limits.MaxSeriesPerRun)
        {
            throw new FormatException($"more than Limits:MaxSeriesPerRun ({_context.Limits.MaxSeriesPerRun:N0}) series in one run; the file was not stored");
        }
        var writer = new SeriesWriter(this, key, alias, _context.Sink, _context.ChunkSize);
        _byAlias[alias] = writer;
        _byKey[key] = writer;
        _series.Add(writer);
        return writer;
    }

    internal void Flush()
    {
        _sealed = true;
        foreach (var s in _series) s.Flush();
    }
}
