namespace RunDashboard.Core.WandB;

/// <summary>
/// How to reach W&amp;B and how hard to try. Bound from the <c>WandB</c> configuration section; the base URL and
/// key fall back to the environment variables the official client reads, so self-hosted servers work.
/// </summary>
public sealed class WandbOptions
{
    public const string Section = "WandB";

    public string BaseUrl { get; set; } = Environment.GetEnvironmentVariable("WANDB_BASE_URL") is { Length: > 0 } url ? url : "https://api.wandb.ai";

    /// <summary>Never logged, rendered or returned: only whether one is set is shown.</summary>
    public string? ApiKey { get; set; } = Environment.GetEnvironmentVariable("WANDB_API_KEY");

    /// <summary><c>entity/project</c> names synced by the background service (more can be added on the /sync page).</summary>
    public List<string> Projects { get; set; } = [];

    /// <summary>How often the background service syncs; off (null) unless configured, e.g. <c>00:10:00</c>.</summary>
    public TimeSpan? SyncInterval { get; set; }

    public int PerPage { get; set; } = 50;
    public int HistoryPageSize { get; set; } = 1000;
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public int Retries { get; set; } = 4;
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait a <c>Retry-After</c> header is obeyed for; longer answers wait this long.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Answers of HTTP 429 waited through for one request. W&amp;B rate-limits per key and says when to come back
    /// (<c>Retry-After</c>); the official client keeps trying about 20 times, so a busy key is not a failure.
    /// </summary>
    public int RateLimitTries { get; set; } = 20;

    /// <summary>
    /// Total time one sync round may spend waiting out 429s. When it is spent the round stops, says "rate limited",
    /// and the next round resumes where it stopped (finished windows are kept).
    /// </summary>
    public TimeSpan MaxRateLimitWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Consecutive failed requests (after their retries) that open the circuit, and for how long.</summary>
    public int BreakAfter { get; set; } = 5;
    public TimeSpan BreakFor { get; set; } = TimeSpan.FromSeconds(30);

    public bool HasApiKey => !string.IsNullOrWhiteSpace(ApiKey);
}
