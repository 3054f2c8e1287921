namespace RunDashboard.Core.Services.Notifications;

/// <summary>One incoming webhook: where to post and which payload shape it takes.</summary>
public sealed class WebhookTarget
{
    public string Url { get; set; } = "";

    public WebhookKind Kind { get; set; } = WebhookKind.Slack;

    /// <summary>
    /// The webhook as the ledger of sent posts names it: a hash of its URL, because the URL itself is a secret
    /// (anyone holding it can post) and the ledger lives in the database file that backups copy around.
    /// </summary>
    public string LedgerId => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Url)))[..16];
}
