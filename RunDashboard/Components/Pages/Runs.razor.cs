using RunDashboard.ViewState;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Services;

namespace RunDashboard.Components.Pages;

/// <summary>
/// The runs list. Filtering, sorting and paging run on the server over the in-memory catalog; filters, sort and
/// hidden columns are in the query string so a filtered list can be shared.
/// </summary>
public partial class Runs : IDisposable
{
    private static readonly string[] OptionalColumns = ["project", "source", "method", "state", "tags", "health", "steps", "train loss", "val loss", "created"];

    private static readonly Dictionary<string, string> SortKeys = new()
    {
        ["Name"] = "name", ["Project"] = "project", ["Source"] = "source", ["Method"] = "method", ["State"] = "state",
        ["Steps"] = "steps", ["FinalTrainLoss"] = "train", ["FinalEvalLoss"] = "eval", ["CreatedAt"] = "created",
    };

    private static readonly string[] StateOrder = ["finished", "running", "incomplete", "crashed", "failed", "killed", "preempted", "deleted"];

    [Inject] private RunCatalog Catalog { get; set; } = default!;
    [Inject] private HealthService Health { get; set; } = default!;
    [Inject] private NavigationManager Nav { get; set; } = default!;

    [SupplyParameterFromQuery(Name = RunListView.Names.Text)] public string? Text { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Project)] public string? Project { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Source)] public string? Source { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.State)] public string? State { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Method)] public string? Method { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Tag)] public string? Tag { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Sort)] public string? Sort { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Desc)] public bool? Desc { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Hide)] public string? HideParam { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.Group)] public string? GroupBy { get; set; }
    [SupplyParameterFromQuery(Name = RunListView.Names.In)] public string? In { get; set; }

    private IReadOnlyList<CohortRow> _cohorts = [];
    private IReadOnlyList<string> _cohortStates = [];

    private IEnumerable<(string Value, string Label)> GroupOptions =>
        new[] { ("project", "project"), ("state", "state"), ("method", "method"), ("source", "source") }
            .Concat(Catalog.Rules.Categories.Select(c => ($"tag:{c}", $"tag category: {c}")))
            .Concat(Catalog.ConfigKeys.Take(100).Select(k => ($"config:{k}", $"config: {k}")));

    private static string GroupLabel(string by) =>
        by.StartsWith("tag:", StringComparison.Ordinal) ? by[4..] : by.StartsWith("config:", StringComparison.Ordinal) ? by[7..] : by;

    private PrerenderedDataGrid<RunListItem>? _grid;
    private HashSet<RunListItem> _selected = new(RunComparer.Instance);
    private string? _lastQuery;

    private HashSet<string> Hidden => (HideParam ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();

    private string CompareHref => DashboardUrls.Compare(new CompareView { Runs = _selected.Select(r => r.Id).ToList() });

    /// <summary>
    /// Reads the selection when the button is pressed. A link rendered from the selection could still hold the
    /// previous one when the click came right after ticking a run, before the page had drawn the new link.
    /// </summary>
    private void OpenCompare() => Nav.NavigateTo(CompareHref);

    protected override void OnInitialized() => Catalog.Changed += OnCatalogChanged;

    protected override async Task OnParametersSetAsync()
    {
        var query = $"{Text}|{Project}|{Source}|{State}|{Method}|{Tag}|{GroupBy}|{In}";
        if (_lastQuery is not null && query != _lastQuery && _grid is not null) await _grid.ReloadServerData();
        _lastQuery = query;
        Catalog.Query(Filters with { PageSize = 1 }, out var cohorts, GroupBy);
        _cohorts = cohorts;
        _cohortStates = cohorts.SelectMany(c => c.States.Keys).Distinct()
            .OrderBy(s => Array.IndexOf(StateOrder, s) is var i and >= 0 ? i : 99).ThenBy(s => s, StringComparer.Ordinal).ToList();
    }

    private Task<GridData<RunListItem>> LoadAsync(GridState<RunListItem> state, CancellationToken cancellationToken)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var sortKey = sort is not null && SortKeys.TryGetValue(sort.SortBy, out var k) ? k : Sort ?? "created";
        var descending = sort?.Descending ?? Desc ?? true;
        if (sort is not null && (sortKey != (Sort ?? "created") || descending != (Desc ?? true)))
        {
            UpdateUrl((RunListView.Names.Sort, sortKey == RunListView.DefaultSort ? null : sortKey), (RunListView.Names.Desc, descending ? null : "false"));
        }
        var page = Catalog.Query(new RunQuery
        {
            Text = Text, Project = Project, Source = Source, State = State, Method = Method, Tag = Tag, Group = In,
            SortBy = sortKey, Descending = descending, Page = state.Page, PageSize = state.PageSize,
        }, out _, null);
        return Task.FromResult(new GridData<RunListItem> { Items = page.Items, TotalItems = page.Total });
    }

    private RunQuery Filters => new() { Text = Text, Project = Project, Source = Source, State = State, Method = Method, Tag = Tag, Group = In };

    /// <summary>Counted only for the rows shown; the findings are cached until a run changes.</summary>
    private (int Errors, int Warnings) HealthOf(string runId)
    {
        var findings = Health.Findings(runId);
        return (findings.Count(f => f.Severity == Core.Analysis.Health.Severity.Error), findings.Count(f => f.Severity == Core.Analysis.Health.Severity.Warning));
    }

    private SortDirection Initial(string key) =>
        (Sort ?? "created") != key ? SortDirection.None : Desc ?? true ? SortDirection.Descending : SortDirection.Ascending;

    private static readonly string[] Sources = ["upload", "wandb"];

    private void SetFilter(string name, string? value) => UpdateUrl((name, string.IsNullOrEmpty(value) ? null : value));

    private void ToggleColumn(string column)
    {
        var hidden = Hidden;
        if (!hidden.Remove(column)) hidden.Add(column);
        UpdateUrl((RunListView.Names.Hide, hidden.Count == 0 ? null : string.Join(',', OptionalColumns.Where(hidden.Contains))));
    }

    private void OnSelected(HashSet<RunListItem> items) => _selected = items;

    private void UpdateUrl(params (string Name, string? Value)[] changes) => UrlState.Replace(Nav, changes);

    private void OnCatalogChanged(IReadOnlyList<string> ids) =>
        _ = InvokeAsync(async () =>
        {
            if (_grid is not null) await _grid.ReloadServerData();
        });

    public void Dispose() => Catalog.Changed -= OnCatalogChanged;
}

/// <summary>Rows are the same run when their ids match, so a selection survives a reload of the page's data.</summary>
public sealed class RunComparer : IEqualityComparer<RunListItem>
{
    public static readonly RunComparer Instance = new();
    public bool Equals(RunListItem? x, RunListItem? y) => x?.Id == y?.Id;
    public int GetHashCode(RunListItem obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
}
