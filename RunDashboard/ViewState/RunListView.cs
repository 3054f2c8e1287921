namespace RunDashboard.ViewState;

/// <summary>The runs list's filters, sort, hidden columns and grouping; every field is a query parameter.</summary>
public sealed record RunListView
{
    public const string DefaultSort = "created";

    public static class Names
    {
        public const string Text = "q", Project = "project", Source = "source", State = "state", Method = "method", Tag = "tag",
            Sort = "sort", Desc = "desc", Hide = "hide", Group = "group", In = "in";
    }

    public string? Text { get; init; }
    public string? Project { get; init; }
    public string? Source { get; init; }
    public string? State { get; init; }
    public string? Method { get; init; }
    public string? Tag { get; init; }
    public string Sort { get; init; } = DefaultSort;
    public bool Descending { get; init; } = true;
    public IReadOnlyList<string> Hide { get; init; } = [];
    public string? Group { get; init; }
    public string? In { get; init; }

    public IEnumerable<(string Name, string? Value)> Query() =>
    [
        (Names.Text, Text), (Names.Project, Project), (Names.Source, Source), (Names.State, State), (Names.Method, Method), (Names.Tag, Tag),
        (Names.Sort, Sort == DefaultSort ? null : Sort), (Names.Desc, Descending ? null : "false"),
        (Names.Hide, Hide.Count == 0 ? null : string.Join(',', Hide)), (Names.Group, Group), (Names.In, In),
    ];
}
