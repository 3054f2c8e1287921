using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Services.Notifications;

/// <summary>The three posts about runs: a run finished, a run has new findings, the daily digest of active runs.</summary>
public static class ChatPosts
{
    public static ChatPost Finished(Run run, string? dashboardUrl) =>
        new($"Run finished: {Name(run)}", RunLink(run, dashboardUrl), ImageLink(run, dashboardUrl), RunHeadline.Of(run), [], PostTone.Good);

    public static ChatPost Findings(Run run, IReadOnlyList<Finding> findings, string? dashboardUrl)
    {
        var error = findings.Any(f => f.Severity == Severity.Error);
        return new ChatPost(
            $"{(error ? "Error" : "Warning")} in run {Name(run)}",
            RunLink(run, dashboardUrl),
            ImageLink(run, dashboardUrl),
            RunHeadline.Of(run),
            findings.Select(f => new ChatLine($"{f.Severity.ToString().ToLowerInvariant()} {f.Rule}: {f.Message}")).ToList(),
            error ? PostTone.Error : PostTone.Warning);
    }

    /// <summary>The runs that changed in the 24 hours before <paramref name="now"/>, newest change first, one line each.</summary>
    public static ChatPost? Digest(IEnumerable<Run> runs, DateTime now, string? dashboardUrl)
    {
        var active = runs.Where(r => r.UpdatedAt > now - TimeSpan.FromDays(1) && r.UpdatedAt <= now).OrderByDescending(r => r.UpdatedAt).ToList();
        if (active.Count == 0) return null;
        var lines = active.Select(r => new ChatLine(
            $"— {RunCompletion.StateOf(r, now)} · {RunHeadline.Of(r)}", RunLink(r, dashboardUrl), ImageLink(r, dashboardUrl), LinkText: r.Name)).ToList();
        var title = $"Daily digest {now:yyyy-MM-dd}: {active.Count} active run{(active.Count == 1 ? "" : "s")} in the last 24 h";
        var home = dashboardUrl is { Length: > 0 } b ? b.TrimEnd('/') + "/" : null;
        return new ChatPost(title, home, null, $"{active.Count(r => RunCompletion.StateOf(r, now) == RunStates.Finished)} finished, "
            + $"{active.Count(r => RunCompletion.StateOf(r, now) == RunStates.Running)} running", lines, PostTone.Neutral);
    }

    private static string Name(Run run) => run.Project.Length > 0 ? $"{run.Name} ({run.Project})" : run.Name;

    /// <summary>The run's page; the same address the dashboard's own links use.</summary>
    public static string RunLink(Run run, string? dashboardUrl) => Base(dashboardUrl) + "/runs/" + Uri.EscapeDataString(run.Id);

    /// <summary>The run's preview PNG, the picture its link unfurls to.</summary>
    public static string ImageLink(Run run, string? dashboardUrl) => Base(dashboardUrl) + "/preview/runs/" + Uri.EscapeDataString(run.Id) + ".png";

    private static string Base(string? dashboardUrl) => (dashboardUrl ?? "").TrimEnd('/');
}
