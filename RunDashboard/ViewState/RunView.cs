namespace RunDashboard.ViewState;

/// <summary>What a run page shows beyond the run itself; every field is a query parameter, absent when default.</summary>
public sealed record RunView
{
    /// <summary>Query parameter names, the only place they are spelled.</summary>
    public static class Names
    {
        public const string From = "from", To = "to", LogLr = "loglr", Share = "share", Open = "open", Hp = "hp", Mark = "mark", Findings = "findings";
    }

    public long? From { get; init; }
    public long? To { get; init; }
    public bool LogLr { get; init; }
    public bool Share { get; init; }
    /// <summary>Open "other metrics" groups, by prefix.</summary>
    public IReadOnlyList<string> Open { get; init; } = [];
    public string? Hp { get; init; }
    /// <summary>A step marked on every chart.</summary>
    public long? Mark { get; init; }
    /// <summary>The full list of health findings instead of the summary.</summary>
    public bool AllFindings { get; init; }

    public IEnumerable<(string Name, string? Value)> Query() =>
    [
        (Names.From, DashboardUrls.Number(From)), (Names.To, DashboardUrls.Number(To)),
        (Names.LogLr, LogLr ? "true" : null), (Names.Share, Share ? "true" : null),
        (Names.Open, Open.Count == 0 ? null : string.Join(',', Open.Order(StringComparer.Ordinal))),
        (Names.Hp, string.IsNullOrEmpty(Hp) ? null : Hp), (Names.Mark, DashboardUrls.Number(Mark)),
        (Names.Findings, AllFindings ? "all" : null),
    ];
}
