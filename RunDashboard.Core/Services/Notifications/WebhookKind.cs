namespace RunDashboard.Core.Services.Notifications;

/// <summary>The chat service behind an incoming-webhook URL: each takes its own JSON shape.</summary>
public enum WebhookKind
{
    /// <summary><c>{"text", "blocks"}</c>; also what Rocket.Chat and other Slack-compatible hooks take.</summary>
    Slack,

    /// <summary><c>{"text", "attachments"}</c> (Slack-style attachments with <c>image_url</c>).</summary>
    Mattermost,

    /// <summary><c>{"content", "embeds", "allowed_mentions"}</c>.</summary>
    Discord,

    /// <summary>A Teams Workflows webhook: <c>{"type":"message","attachments":[an Adaptive Card]}</c>.</summary>
    Teams,
}
