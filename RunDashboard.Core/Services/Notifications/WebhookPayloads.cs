using System.Text;
using System.Text.Json.Nodes;

namespace RunDashboard.Core.Services.Notifications;

/// <summary>
/// A <see cref="ChatPost"/> in the JSON each service's incoming webhook takes. Names and messages come from uploads,
/// so they are escaped for the service's markup (a run named <c>&lt;!channel&gt;</c> or <c>@all</c> pings nobody), and
/// texts are cut to the service's limits so a long digest is not refused whole.
/// </summary>
public static class WebhookPayloads
{
    /// <summary>Findings or runs beyond this many are summed up as "… and N more": chat is read, not searched.</summary>
    public const int MaxLines = 25;

    public static JsonObject For(WebhookKind kind, ChatPost post) => kind switch
    {
        WebhookKind.Slack => Slack(post),
        WebhookKind.Mattermost => Mattermost(post),
        WebhookKind.Discord => Discord(post),
        WebhookKind.Teams => Teams(post),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a webhook kind"),
    };

    // Slack: https://docs.slack.dev — `text` is the notification fallback once `blocks` are given; a section's
    // mrkdwn text holds at most 3000 characters; an image block needs a public image_url and a plain alt_text.
    private static JsonObject Slack(ChatPost post)
    {
        var body = new StringBuilder();
        body.Append('*').Append(SlackLink(post.Link, post.Title)).Append("*\n").Append(SlackEscape(post.Numbers));
        foreach (var line in Lines(post))
        {
            body.Append("\n• ").Append(line.Link is not null ? SlackLink(line.Link, line.LinkText ?? line.Text) : SlackEscape(line.LinkText ?? line.Text));
            if (line.LinkText is not null) body.Append(' ').Append(SlackEscape(line.Text));
            if (Absolute(line.ImageLink)) body.Append(" · ").Append(SlackLink(line.ImageLink, "chart"));
        }
        var blocks = new JsonArray { new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Cut(body.ToString(), 3000) } } };
        if (Absolute(post.ImageLink))
        {
            blocks.Add(new JsonObject { ["type"] = "image", ["image_url"] = post.ImageLink, ["alt_text"] = Cut("Chart: " + post.Title, 2000) });
        }
        return new JsonObject { ["text"] = Cut(ChatMessage.Text(post), 3000), ["blocks"] = blocks };
    }

    // Mattermost: `text` is the message (Markdown); an attachment takes fallback, color, title, title_link, text
    // and image_url, the Slack attachment fields. @-mentions in `text` and an attachment's text notify people.
    private static JsonObject Mattermost(ChatPost post)
    {
        var text = new StringBuilder(Markdown(post.Numbers, breakMentions: true));
        foreach (var line in Lines(post)) text.Append("\n- ").Append(MarkdownLine(line, breakMentions: true));
        var attachment = new JsonObject
        {
            ["fallback"] = NoMentions(post.Title + " · " + post.Numbers),
            ["color"] = Hex(post.Tone),
            ["title"] = NoMentions(post.Title),
            ["text"] = text.ToString(),
        };
        if (Absolute(post.Link)) attachment["title_link"] = post.Link;
        if (Absolute(post.ImageLink)) attachment["image_url"] = post.ImageLink;
        var message = Markdown(post.Title, breakMentions: true) + (Absolute(post.Link) ? $" · [open run]({post.Link})" : "");
        return new JsonObject { ["text"] = message, ["attachments"] = new JsonArray { attachment } };
    }

    // Discord: content ≤ 2000 characters, an embed's title ≤ 256 and description ≤ 4096; embed url and image.url
    // must be absolute. allowed_mentions with an empty parse list makes @everyone and <@id> in the text ping nobody.
    private static JsonObject Discord(ChatPost post)
    {
        var description = new StringBuilder(Markdown(post.Numbers));
        foreach (var line in Lines(post)) description.Append("\n• ").Append(MarkdownLine(line));
        var embed = new JsonObject
        {
            ["title"] = Cut(post.Title, 256),
            ["description"] = Cut(description.ToString(), 4096),
            ["color"] = Convert.ToInt32(Hex(post.Tone)[1..], 16),
        };
        if (Absolute(post.Link)) embed["url"] = post.Link;
        if (Absolute(post.ImageLink)) embed["image"] = new JsonObject { ["url"] = post.ImageLink };
        return new JsonObject
        {
            ["content"] = Cut(Markdown(post.Title), 2000),
            ["embeds"] = new JsonArray { embed },
            ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        };
    }

    // Teams Workflows webhooks take a message activity whose attachment is an Adaptive Card; TextBlock text is a
    // Markdown subset, and mentions need explicit entities, so a name cannot ping anyone.
    private static JsonObject Teams(ChatPost post)
    {
        var body = new JsonArray
        {
            new JsonObject { ["type"] = "TextBlock", ["text"] = Markdown(post.Title), ["weight"] = "Bolder", ["size"] = "Medium", ["wrap"] = true },
            new JsonObject { ["type"] = "TextBlock", ["text"] = Markdown(post.Numbers), ["isSubtle"] = true, ["wrap"] = true },
        };
        foreach (var line in Lines(post)) body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = "- " + MarkdownLine(line), ["wrap"] = true, ["spacing"] = "Small" });
        if (Absolute(post.ImageLink)) body.Add(new JsonObject { ["type"] = "Image", ["url"] = post.ImageLink, ["altText"] = "Chart: " + post.Title });
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
            ["msteams"] = new JsonObject { ["width"] = "Full" },
        };
        if (Absolute(post.Link)) card["actions"] = new JsonArray { new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open run", ["url"] = post.Link } };
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card },
            },
        };
    }

    private static IEnumerable<ChatLine> Lines(ChatPost post) =>
        post.Lines.Count <= MaxLines ? post.Lines : post.Lines.Take(MaxLines - 1).Append(new ChatLine($"… and {post.Lines.Count - MaxLines + 1} more"));

    private static string MarkdownLine(ChatLine line, bool breakMentions = false)
    {
        var label = Markdown(line.LinkText ?? line.Text, breakMentions);
        var text = Absolute(line.Link) ? $"[{label}]({line.Link})" : label;
        if (line.LinkText is not null) text += " " + Markdown(line.Text, breakMentions);
        if (Absolute(line.ImageLink)) text += $" · [chart]({line.ImageLink})";
        return text;
    }

    /// <summary>Slack's mrkdwn gives meaning to <c>&amp; &lt; &gt;</c> only (links, mentions); those are escaped.</summary>
    public static string SlackEscape(string s) => ChatMessage.Escape(s);

    private static string SlackLink(string? url, string text) => Absolute(url) ? $"<{url}|{SlackEscape(text).Replace("|", "¦", StringComparison.Ordinal)}>" : SlackEscape(text);

    /// <summary>
    /// Markdown as text: a backslash before every character CommonMark-style renderers give meaning to, and, where
    /// the service turns <c>@name</c> into a notification, a zero-width space after the <c>@</c> (it reads the same).
    /// </summary>
    public static string Markdown(string s, bool breakMentions = false)
    {
        var text = new StringBuilder(s.Length + 8);
        foreach (var c in s)
        {
            if (c is '\\' or '`' or '*' or '_' or '~' or '[' or ']' or '(' or ')' or '#' or '>' or '<' or '|' or '!') text.Append('\\');
            text.Append(c);
            if (c == '@' && breakMentions) text.Append('\u200B');
        }
        return text.ToString();
    }

    private static string NoMentions(string s) => s.Replace("@", "@\u200B", StringComparison.Ordinal);

    /// <summary>Only absolute http(s) addresses go into link and image fields: services refuse or drop the rest.</summary>
    public static bool Absolute([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string Cut(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Hex(PostTone tone) => tone switch
    {
        PostTone.Good => "#2E7D32",
        PostTone.Warning => "#ED6C02",
        PostTone.Error => "#D32F2F",
        _ => "#546E7A",
    };
}
