using RunDashboard.Core.Analysis.Health;

namespace RunDashboard.Core.Services;

/// <summary>Incoming-webhook URLs of lab chat (Slack, Mattermost, Rocket.Chat take <c>{"text": …}</c>). Bound from <c>ChatWebhooks</c>.</summary>
public sealed class ChatWebhookOptions
{
    public const string Section = "ChatWebhooks";

    /// <summary>Where new findings are posted; none means no posting.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>Findings below this severity are not posted.</summary>
    public Severity MinSeverity { get; set; } = Severity.Warning;

    /// <summary>The dashboard's public address, for links to the run in the message (e.g. <c>https://runs.lab.example</c>).</summary>
    public string? DashboardUrl { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
