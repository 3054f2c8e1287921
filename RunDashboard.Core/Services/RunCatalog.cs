using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// The runs list, kept in memory as one small row per run and refreshed when the store reports a change,
/// so filtering and sorting thousands of runs does not deserialize every run document per keystroke.
/// </summary>
public sealed class RunCatalog : IDisposable
{
    private readonly RunStore _store;
    private readonly Lock _gate = new();
    private Dictionary<string, RunListItem>? _items;

    private readonly TimeProvider _time;

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

    public IReadOnlyCollection<RunListItem> All
    {
        get
        {
            lock (_gate)
            {
                var now = _time.GetUtcNow().UtcDateTime;
                _items ??= _store.ListRuns().ToDictionary(r => r.Id, r => RunListItem.From(r, Rules, now));
                return _items.Values.Select(i => i.At(now)).ToList();
            }
        }
    }

    public RunListPage Query(RunQuery query) => RunFilter.Apply(All, query);

    public IReadOnlyList<string> Projects => All.Select(r => r.Project).Where(p => p.Length > 0).Distinct().Order().ToList();

    public IReadOnlyList<string> Tags => All.SelectMany(r => r.Tags).Distinct().Order().ToList();

    public RunListPage Query(RunQuery query, out IReadOnlyList<CohortRow> cohorts, string? groupBy)
    {
        var all = All;
        cohorts = string.IsNullOrEmpty(groupBy) ? [] : Cohorts.Group(all.Where(r => RunFilter.Matches(r, query with { Group = null })), groupBy);
        return RunFilter.Apply(all, query);
    }

    /// <summary>Config keys that several runs share, the useful ones to group by.</summary>
    public IReadOnlyList<string> ConfigKeys => All.SelectMany(r => r.Config.Keys).GroupBy(k => k).Where(g => g.Count() > 1)
        .Select(g => g.Key).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> States => All.Select(r => r.State).Distinct().Order().ToList();

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        lock (_gate)
        {
            if (_items is not null)
            {
                foreach (var id in ids)
                {
                    if (_store.GetRun(id) is { } run) _items[id] = RunListItem.From(run, Rules, _time.GetUtcNow().UtcDateTime);
                    else _items.Remove(id);
                }
            }
        }
        Changed?.Invoke(ids);
    }

    public void Dispose() => _store.RunsChanged -= OnRunsChanged;
}
