using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>A page of the runs list: filters, sort and paging, applied on the server so thousands of runs stay quick.</summary>
public sealed record RunQuery
{
    public string? Text { get; init; }
    public string? Project { get; init; }
    public string? Source { get; init; }
    public string? State { get; init; }
    public string? Method { get; init; }
    public string? Tag { get; init; }

    /// <summary>A group of the cohort view to narrow to: <c>tag:dataset=dolma-qc</c>, <c>config:timeout=1800</c>.</summary>
    public string? Group { get; init; }
    public string SortBy { get; init; } = "created";
    public bool Descending { get; init; } = true;
    public int Page { get; init; }
    public int PageSize { get; init; } = 50;
}

/// <summary>What the runs list shows per run, computed once per run.</summary>
public sealed record RunListItem(
    string Id, string Name, string Project, RunSource Source, string State, IReadOnlyList<string> Tags, string Method,
    long Steps, double? FinalTrainLoss, double? FinalEvalLoss, DateTime CreatedAt)
{
    /// <summary>Tag categories of this run (see <see cref="TagRules"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Categories { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Hyperparameters, for grouping by a config key.</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Until when <see cref="State"/> says "running" for a log that may still grow (see <see cref="RunCompletion"/>).</summary>
    public DateTime? RunningUntil { get; init; }

    /// <summary>The row as of <paramref name="now"/>: a growing log that stopped growing is incomplete.</summary>
    public RunListItem At(DateTime now) =>
        RunningUntil is { } until && now >= until ? this with { State = RunStates.Incomplete, RunningUntil = null } : this;

    public static RunListItem From(Run run, TagRules? rules = null, DateTime? now = null)
    {
        var final = FinalMetrics.Of(run);
        var at = now ?? DateTime.UtcNow;
        return new RunListItem(run.Id, run.Name, run.Project, run.Source, RunCompletion.StateOf(run, at), run.Tags, TrainingMethod.Detect(run),
            run.Steps, final.TrainLoss, final.EvalLoss, run.CreatedAt)
        {
            RunningUntil = RunCompletion.RunningUntil(run, at),
            Categories = rules?.Categorize(run.Tags) ?? new Dictionary<string, IReadOnlyList<string>>(),
            Config = run.Hyperparameters.GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.First().Value),
        };
    }
}

public sealed record RunListPage(IReadOnlyList<RunListItem> Items, int Total);

public static class RunFilter
{
    public static RunListPage Apply(IEnumerable<RunListItem> items, RunQuery q)
    {
        var filtered = items.Where(r => Matches(r, q));
        IEnumerable<RunListItem> sorted = q.SortBy switch
        {
            "name" => Order(filtered, r => r.Name, q.Descending),
            "project" => Order(filtered, r => r.Project, q.Descending),
            "source" => Order(filtered, r => r.Source.ToString(), q.Descending),
            "state" => Order(filtered, r => r.State, q.Descending),
            "method" => Order(filtered, r => r.Method, q.Descending),
            "steps" => Order(filtered, r => r.Steps, q.Descending),
            "train" => OrderNullsLast(filtered, r => r.FinalTrainLoss, q.Descending),
            "eval" => OrderNullsLast(filtered, r => r.FinalEvalLoss, q.Descending),
            _ => Order(filtered, r => r.CreatedAt, q.Descending),
        };
        var list = sorted.ToList();
        return new RunListPage(list.Skip(q.Page * q.PageSize).Take(q.PageSize).ToList(), list.Count);
    }

    public static bool Matches(RunListItem r, RunQuery q) =>
        (string.IsNullOrWhiteSpace(q.Text)
         || r.Name.Contains(q.Text, StringComparison.OrdinalIgnoreCase)
         || r.Project.Contains(q.Text, StringComparison.OrdinalIgnoreCase)
         || r.Id.Equals(q.Text, StringComparison.OrdinalIgnoreCase)
         || r.Tags.Any(t => t.Contains(q.Text, StringComparison.OrdinalIgnoreCase)))
        && (string.IsNullOrEmpty(q.Project) || r.Project == q.Project)
        && (string.IsNullOrEmpty(q.Source) || SourceName(r.Source) == q.Source)
        && (string.IsNullOrEmpty(q.State) || r.State == q.State)
        && (string.IsNullOrEmpty(q.Method) || r.Method == q.Method)
        && (string.IsNullOrEmpty(q.Tag) || r.Tags.Contains(q.Tag))
        && (string.IsNullOrEmpty(q.Group) || InGroup(r, q.Group));

    private static bool InGroup(RunListItem r, string group)
    {
        var eq = group.IndexOf('=');
        return eq > 0 && Cohorts.ValuesOf(r, group[..eq]).Contains(group[(eq + 1)..]);
    }

    public static string SourceName(RunSource source) => source == RunSource.Wandb ? "wandb" : "upload";

    private static IEnumerable<RunListItem> Order<T>(IEnumerable<RunListItem> items, Func<RunListItem, T> key, bool descending) =>
        descending ? items.OrderByDescending(key) : items.OrderBy(key);

    private static IEnumerable<RunListItem> OrderNullsLast(IEnumerable<RunListItem> items, Func<RunListItem, double?> key, bool descending) =>
        (descending ? items.OrderByDescending(r => key(r) ?? double.MinValue) : items.OrderBy(r => key(r) ?? double.MaxValue));
}
