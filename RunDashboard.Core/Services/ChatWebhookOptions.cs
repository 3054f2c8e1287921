using RunDashboard.Core.Analysis.Health;

namespace RunDashboard.Core.Services;

/// <summary>
/// The first chat setting, bound from <c>ChatWebhooks</c> and still read: each of its <see cref="Urls"/> is posted to as a
/// Slack-kind webhook beside those of <c>Notifications:Webhooks</c> (<see cref="Notifications.NotificationOptions"/>).
/// </summary>
public sealed class ChatWebhookOptions
{
    public const string Section = "ChatWebhooks";

    /// <summary>Where new findings are posted; none means no posting.</summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>Findings below this severity are not posted.</summary>
    public Severity MinSeverity { get; set; } = Severity.Warning;

    /// <summary>The dashboard's public address, for links to the run in the message (e.g. <c>https://runs.lab.example</c>).</summary>
    public string? DashboardUrl { get; set; }
}
