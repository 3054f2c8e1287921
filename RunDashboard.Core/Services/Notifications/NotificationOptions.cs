using System.Globalization;
using RunDashboard.Core.Analysis.Health;

namespace RunDashboard.Core.Services.Notifications;

/// <summary>
/// Chat posts about runs: where (<see cref="Webhooks"/>, each with its <see cref="WebhookKind"/>), the daily digest
/// time, and how hard to try. Bound from <c>Notifications</c>; the older <c>ChatWebhooks:Urls</c> still count, as Slack hooks.
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    public List<WebhookTarget> Webhooks { get; set; } = [];

    /// <summary>UTC time of day (<c>HH:mm</c>) of the digest of active runs; no digest when unset.</summary>
    public string? DigestAtUtc { get; set; }

    /// <summary>The dashboard's public address, for the links in posts (e.g. <c>https://runs.lab.example</c>).</summary>
    public string? DashboardUrl { get; set; }

    /// <summary>Findings below this severity are not posted.</summary>
    public Severity MinSeverity { get; set; } = Severity.Warning;

    /// <summary>How long one attempt may take before it counts as failed (a receiver that hangs).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts per post, the first included, when the receiver answers 429 or 5xx or cannot be reached.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt; it doubles before each next one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between attempts, a receiver's <c>Retry-After</c> included.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The webhooks of both sections, each once; the <c>ChatWebhooks:Urls</c> entries are Slack-kind.</summary>
    public IReadOnlyList<WebhookTarget> Targets(ChatWebhookOptions legacy) =>
        Webhooks.Where(w => !string.IsNullOrWhiteSpace(w.Url))
            .Concat(legacy.Urls.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => new WebhookTarget { Url = u, Kind = WebhookKind.Slack }))
            .DistinctBy(w => (w.Url, w.Kind))
            .ToList();

    /// <summary>The digest time, or null when none is configured.</summary>
    /// <exception cref="FormatException">The value is not a time of day such as <c>08:30</c>.</exception>
    public TimeOnly? DigestTime() =>
        string.IsNullOrWhiteSpace(DigestAtUtc) ? null
        : TimeOnly.TryParseExact(DigestAtUtc.Trim(), ["HH:mm", "H:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t
        : throw new FormatException($"Notifications:DigestAtUtc must be a UTC time of day such as 08:30, not '{DigestAtUtc}'.");
}
