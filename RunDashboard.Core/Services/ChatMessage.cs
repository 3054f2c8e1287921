using System.Text;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services.Notifications;

namespace RunDashboard.Core.Services;

/// <summary>
/// A post as plain chat text (the <c>text</c> of a Slack-style hook, read by clients that show no blocks). Run names and
/// messages are text: the characters chat markup gives meaning to (<c>&amp; &lt; &gt;</c>, so <c>&lt;!channel&gt;</c>
/// or a link cannot be smuggled in) are escaped.
/// </summary>
public static class ChatMessage
{
    public static string For(Run run, IReadOnlyList<Finding> findings, string? dashboardUrl) => Text(ChatPosts.Findings(run, findings, dashboardUrl));

    public static string Text(ChatPost post)
    {
        var text = new StringBuilder(Escape(post.Title));
        if (WebhookPayloads.Absolute(post.Link)) text.Append(": ").Append(Escape(post.Link));
        text.Append('\n').Append(Escape(post.Numbers));
        foreach (var line in post.Lines)
        {
            text.Append("\n• ");
            if (line.LinkText is not null) text.Append(Escape(line.LinkText)).Append(' ');
            text.Append(Escape(line.Text));
            if (WebhookPayloads.Absolute(line.Link)) text.Append(' ').Append(Escape(line.Link));
        }
        return text.ToString();
    }

    public static string Escape(string s) => s.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
