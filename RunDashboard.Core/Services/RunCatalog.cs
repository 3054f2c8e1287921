using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// The runs list, kept in memory as one small row per run and refreshed when the store reports a change,
/// so filtering and sorting thousands of runs does not deserialize every run document per keystroke.
/// <see cref="RunStore.RunsChanged"/> is the only signal it trusts: it fires for changes made by any writer of the
/// store, so the rows are never refreshed on a guess (a timer, or an import this process happened to run).
/// </summary>
public sealed class RunCatalog : IDisposable
{
    /// <summary>
    /// Above this many changed runs in one event the rows are rebuilt from one scan of the store on the next read:
    /// one scan of ten thousand runs costs far less than ten thousand lookups by id.
    /// </summary>
    private const int RebuildAbove = 256;

    private readonly RunStore _store;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private Dictionary<string, RunListItem>? _items;

    /// <summary>The rows as an array, and what is derived from them; dropped whenever a run changes.</summary>
    private RunListItem[]? _rows;
    private IReadOnlyList<string>? _projects, _tags, _states, _configKeys;
    private readonly Dictionary<(string SortBy, bool Descending), RunListItem[]> _sorted = [];

    public RunCatalog(RunStore store, TagRules rules, TimeProvider? time = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        Rules = rules;
        _store.RunsChanged += OnRunsChanged;
    }

    public TagRules Rules { get; }

    /// <summary>Raised after the catalog has taken in changed runs; live pages re-query on it.</summary>
    public event Action<IReadOnlyList<string>>? Changed;

    /// <summary>Every run's row as of now (a growing log that stopped growing reads as incomplete).</summary>
    public IReadOnlyCollection<RunListItem> All
    {
        get
        {
            var (rows, now) = Snapshot();
            var result = new RunListItem[rows.Length];
            for (var i = 0; i < rows.Length; i++) result[i] = rows[i].At(now);
            return result;
        }
    }

    /// <summary>How many runs there are, without copying the rows.</summary>
    public int Count => Snapshot().Rows.Length;

    public RunListPage Query(RunQuery query)
    {
        var (rows, now) = Snapshot();
        return Page(rows, now, query);
    }

    public RunListPage Query(RunQuery query, out IReadOnlyList<CohortRow> cohorts, string? groupBy)
    {
        var (rows, now) = Snapshot();
        cohorts = string.IsNullOrEmpty(groupBy) ? [] : Cohorts.Group(AsOf(rows, now).Where(r => RunFilter.Matches(r, query with { Group = null })), groupBy);
        return Page(rows, now, query);
    }

    /// <summary>
    /// Filters the rows in an order sorted once per change of the runs, so a query is one pass over them rather
    /// than a sort of all of them. The state of a growing log changes with time alone, so a list sorted by state
    /// is sorted afresh.
    /// </summary>
    private RunListPage Page(RunListItem[] rows, DateTime now, RunQuery query)
    {
        if (query.SortBy == "state") return RunFilter.Apply(AsOf(rows, now), query);
        var sorted = Sorted(rows, query.SortBy, query.Descending);
        var first = (long)query.Page * query.PageSize;
        var items = new List<RunListItem>(Math.Min(query.PageSize, 1000));
        var total = 0;
        foreach (var row in sorted)
        {
            var r = row.At(now);
            if (!RunFilter.Matches(r, query)) continue;
            if (total >= first && items.Count < query.PageSize) items.Add(r);
            total++;
        }
        return new RunListPage(items, total);
    }

    private RunListItem[] Sorted(RunListItem[] rows, string sortBy, bool descending)
    {
        var key = (RunFilter.SortKey(sortBy), descending);
        lock (_gate)
        {
            if (ReferenceEquals(rows, _rows) && _sorted.TryGetValue(key, out var cached)) return cached;
        }
        var sorted = (RunListItem[])rows.Clone();
        Array.Sort(sorted, RunFilter.Comparison(sortBy, descending));
        lock (_gate)
        {
            if (ReferenceEquals(rows, _rows)) _sorted[key] = sorted;
        }
        return sorted;
    }

    public IReadOnlyList<string> Projects => Derived(ref _projects, rows => rows.Select(r => r.Project).Where(p => p.Length > 0).Distinct().Order().ToList());

    public IReadOnlyList<string> Tags => Derived(ref _tags, rows => rows.SelectMany(r => r.Tags).Distinct().Order().ToList());

    /// <summary>Config keys that several runs share, the useful ones to group by.</summary>
    public IReadOnlyList<string> ConfigKeys => Derived(ref _configKeys, rows => rows.SelectMany(r => r.Config.Keys).GroupBy(k => k).Where(g => g.Count() > 1)
        .Select(g => g.Key).Order(StringComparer.Ordinal).ToList());

    /// <summary>
    /// The states runs are in. Cached with the rows, so a run that stops growing changes its state here only at the
    /// next change of any run; the list's state filter itself always judges as of now.
    /// </summary>
    public IReadOnlyList<string> States => Derived(ref _states, rows =>
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return rows.Select(r => r.At(now).State).Distinct().Order().ToList();
    });

    private static IEnumerable<RunListItem> AsOf(RunListItem[] rows, DateTime now)
    {
        foreach (var r in rows) yield return r.At(now);
    }

    private (RunListItem[] Rows, DateTime Now) Snapshot()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            if (_rows is null)
            {
                _items ??= _store.ListRuns().ToDictionary(r => r.Id, r => RunListItem.From(r, Rules, now));
                _rows = _items.Values.ToArray();
            }
            return (_rows, now);
        }
    }

    private IReadOnlyList<string> Derived(ref IReadOnlyList<string>? cache, Func<RunListItem[], IReadOnlyList<string>> compute)
    {
        var (rows, _) = Snapshot();
        lock (_gate)
        {
            // Computed from the rows it was given: when a change dropped them meanwhile, the answer is not kept.
            if (cache is not null && ReferenceEquals(rows, _rows)) return cache;
        }
        var value = compute(rows);
        lock (_gate)
        {
            if (ReferenceEquals(rows, _rows)) cache = value;
        }
        return value;
    }

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        lock (_gate)
        {
            _rows = null;
            _projects = _tags = _states = _configKeys = null;
            _sorted.Clear();
            if (_items is not null)
            {
                if (ids.Count > RebuildAbove)
                {
                    _items = null;
                    _ = Task.Run(WarmUp);
                }
                else
                {
                    foreach (var id in ids)
                    {
                        if (_store.GetRun(id) is { } run) _items[id] = RunListItem.From(run, Rules, _time.GetUtcNow().UtcDateTime);
                        else _items.Remove(id);
                    }
                }
            }
        }
        Changed?.Invoke(ids);
    }

    /// <summary>Rebuilds the rows off the writer's thread, so the next page view does not wait for the scan.</summary>
    private void WarmUp()
    {
        try
        {
            Snapshot();
        }
        catch (ObjectDisposedException)
        {
            // The store closed meanwhile (shutdown): there is no one left to serve.
        }
    }

    public void Dispose() => _store.RunsChanged -= OnRunsChanged;
}
