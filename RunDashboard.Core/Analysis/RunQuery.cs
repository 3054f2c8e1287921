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

    /// <summary>The run's metric keys, for <c>GET /api/runs</c>.</summary>
    public IReadOnlyList<string> Metrics { get; init; } = [];

    /// <summary>The last <c>train/loss</c> value, for <c>GET /api/runs</c>.</summary>
    public double? LastTrainLoss { get; init; }

    /// <summary>The state stored at import, before <see cref="RunCompletion"/> judges a growing log.</summary>
    public string StoredState { get; init; } = "";

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
            Metrics = run.Metrics.Select(m => m.Key).ToList(),
            LastTrainLoss = run.FindMetric(MetricKeys.TrainLoss)?.LastValue,
            StoredState = run.State,
        };
    }
}

public sealed record RunListPage(IReadOnlyList<RunListItem> Items, int Total);

public static class RunFilter
{
    public static RunListPage Apply(IEnumerable<RunListItem> items, RunQuery q)
    {
        var matches = new List<RunListItem>();
        foreach (var r in items)
        {
            if (Matches(r, q)) matches.Add(r);
        }
        matches.Sort(Comparison(q.SortBy, q.Descending));
        var start = (int)Math.Min((long)q.Page * q.PageSize, matches.Count);
        var count = Math.Min(q.PageSize, matches.Count - start);
        return new RunListPage(matches.GetRange(start, count), matches.Count);
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

    /// <summary>The orders the list knows; any other asks for the default, newest first by creation.</summary>
    public static readonly IReadOnlySet<string> SortKeys = new HashSet<string> { "name", "project", "source", "state", "method", "steps", "train", "eval", "created" };

    public static string SortKey(string? sortBy) => sortBy is not null && SortKeys.Contains(sortBy) ? sortBy : "created";

    /// <summary>
    /// The list's order. Text compares ordinally ignoring case: the culture-aware default costs about ten times more
    /// per comparison, which adds up over ten thousand runs on every keystroke. Ties fall back to the id, so a page
    /// boundary is stable from one request to the next (<see cref="List{T}.Sort(Comparison{T})"/> is not stable).
    /// </summary>
    public static Comparison<RunListItem> Comparison(string sortBy, bool descending)
    {
        Comparison<RunListItem> primary = sortBy switch
        {
            "name" => (a, b) => Text(a.Name, b.Name),
            "project" => (a, b) => Text(a.Project, b.Project),
            "source" => (a, b) => string.CompareOrdinal(a.Source.ToString(), b.Source.ToString()),
            "state" => (a, b) => string.CompareOrdinal(a.State, b.State),
            "method" => (a, b) => string.CompareOrdinal(a.Method, b.Method),
            "steps" => (a, b) => a.Steps.CompareTo(b.Steps),
            // A run without the metric sorts last either way.
            "train" => (a, b) => NullsLow(a.FinalTrainLoss, b.FinalTrainLoss, descending),
            "eval" => (a, b) => NullsLow(a.FinalEvalLoss, b.FinalEvalLoss, descending),
            _ => (a, b) => a.CreatedAt.CompareTo(b.CreatedAt),
        };
        return (a, b) =>
        {
            var c = primary(a, b);
            if (c == 0) c = string.CompareOrdinal(a.Id, b.Id);
            return descending ? -c : c;
        };
    }

    private static int Text(string a, string b)
    {
        var c = string.Compare(a, b, StringComparison.OrdinalIgnoreCase);
        return c != 0 ? c : string.CompareOrdinal(a, b);
    }

    /// <summary>Missing values compare below every value when descending and above every value when ascending.</summary>
    private static int NullsLow(double? a, double? b, bool descending)
    {
        var missing = descending ? double.MinValue : double.MaxValue;
        return (a ?? missing).CompareTo(b ?? missing);
    }
}
