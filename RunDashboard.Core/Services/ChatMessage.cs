using System.Text;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Services;

/// <summary>
/// The text posted to chat for a run's new findings. Run names and messages are text: the characters chat markup
/// gives meaning to (<c>&amp; &lt; &gt;</c>, so <c>&lt;!channel&gt;</c> or a link cannot be smuggled in) are escaped.
/// </summary>
public static class ChatMessage
{
    public static string For(Run run, IReadOnlyList<Finding> findings, string? runUrl)
    {
        var text = new StringBuilder();
        text.Append(findings.Any(f => f.Severity == Severity.Error) ? "Error" : "Warning")
            .Append(" in run ").Append(Escape(run.Name));
        if (run.Project.Length > 0) text.Append(" (").Append(Escape(run.Project)).Append(')');
        if (runUrl is not null) text.Append(": ").Append(Escape(runUrl));
        foreach (var f in findings)
        {
            text.Append('\n').Append("• ").Append(f.Severity.ToString().ToLowerInvariant()).Append(' ').Append(Escape(f.Rule)).Append(": ").Append(Escape(f.Message));
        }
        return text.ToString();
    }

    public static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
