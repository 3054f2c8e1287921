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

    internal RunDraft(ImportContext context, string key)
    {
        _context = context;
        Key = key;
        _byAliasSpan = _byAlias.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Identifies the run inside its file (a W&amp;B run id in an export; empty for single-run logs).</summary>
    public string Key { get; }

    /// <summary>Id the run will be stored under; chunks written during the parse carry it.</summary>
    public string Id { get; internal set; } = RunIds.New();
    public string? Name { get; set; }
    public string? Project { get; set; }
    public string? State { get; set; }
    public DateTime? CreatedAt { get; set; }
    public List<string> Tags { get; } = [];
    public SortedDictionary<string, string> Hyperparameters { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, double> Summary { get; } = new(StringComparer.Ordinal);
    public List<RunEvent> Events { get; } = [];
    public IReadOnlyList<SeriesWriter> Series => _series;

    /// <summary>True when the draft holds anything worth storing.</summary>
    public bool HasContent => _series.Count > 0 || Hyperparameters.Count > 0 || Summary.Count > 0 || Events.Count > 0;

    public bool HasMetrics => _series.Count > 0;

    /// <summary>Set by settings formats: the draft is configuration to attach to a run, not a run of its own.</summary>
    public bool IsSettingsOnly { get; set; }

    /// <summary>The writer for a source metric name; the canonical key is derived once per name.</summary>
    public SeriesWriter Metric(string alias) => Metric(alias, null);

    /// <summary>The writer for a source metric name mapped to an explicit canonical key.</summary>
    public SeriesWriter Metric(string alias, string? canonicalKey)
    {
        if (_byAlias.TryGetValue(alias, out var w)) return w;
        return Create(alias, canonicalKey ?? MetricKeys.Canonicalize(alias));
    }

    /// <summary>Allocation-free lookup for parsers that see the same names on every line.</summary>
    public SeriesWriter Metric(ReadOnlySpan<char> alias)
    {
        if (_byAliasSpan.TryGetValue(alias, out var w)) return w;
        var s = alias.ToString();
        return Create(s, MetricKeys.Canonicalize(s));
    }

    public void AddEvent(long step, string kind, string message, int line) => _context.AddEvent(this, new RunEvent(step, kind, message, line));

    public void Report(int line, string message) => _context.Report(line, message);

    private SeriesWriter Create(string alias, string key)
    {
        // Two source names can map to one canonical key (e.g. "loss" and "train_loss" in one file):
        // keep the first under the canonical key and the other under its own name, so nothing is merged silently.
        if (_byKey.ContainsKey(key)) key = alias;
        if (_byKey.TryGetValue(key, out var existing))
        {
            _byAlias[alias] = existing;
            return existing;
        }
        var writer = new SeriesWriter(this, key, alias, _context.Sink, _context.ChunkSize);
        _byAlias[alias] = writer;
        _byKey[key] = writer;
        _series.Add(writer);
        return writer;
    }

    internal void Flush()
    {
        foreach (var s in _series) s.Flush();
    }
}
