using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Cluster;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services.Notifications;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Posts to the configured chat webhooks when a run finishes, when a run gets a new finding of warning or error
/// severity, and once a day (at <see cref="NotificationOptions.DigestAtUtc"/>) a digest of the runs that changed in the
/// last 24 hours. An import only drops the changed run ids into a queue that this service drains, so a slow or hanging
/// receiver never holds an upload. Every delivered post is written to the <see cref="NotificationLedger"/> before the
/// next is sent, so nothing is posted twice, across restarts too.
/// </summary>
public sealed class ChatNotifier(
    RunStore store,
    HealthService health,
    IHttpClientFactory http,
    IOptions<NotificationOptions> options,
    IOptions<ChatWebhookOptions> legacy,
    TimeProvider time,
    ILogger<ChatNotifier> logger,
    IInstanceLock? instances = null) : BackgroundService
{
    public const string HttpClientName = "chat-webhooks";

    /// <summary>
    /// Taken around each look-and-post: instances sharing a database all hear of every change, and the one that
    /// posts first records it in the ledger before the others look.
    /// </summary>
    public const string LockName = "chat-notifications";

    private readonly IInstanceLock _instances = instances ?? new LocalInstanceLock();

    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>();
    private readonly NotificationLedger _ledger = new(store);
    private int _posted;
    private int _handled;

    /// <summary>Posts delivered by this instance.</summary>
    public int Posted => Volatile.Read(ref _posted);

    /// <summary>Run changes taken from the queue and dealt with (posted, already posted, or failed).</summary>
    public int Handled => Volatile.Read(ref _handled);

    public IReadOnlyList<WebhookTarget> Targets => options.Value.Targets(legacy.Value);

    private string? DashboardUrl => options.Value.DashboardUrl is { Length: > 0 } own ? own : legacy.Value.DashboardUrl;

    // A configuration that only has the older section keeps its own severity threshold.
    private Severity MinSeverity => options.Value.Webhooks.Count == 0 && legacy.Value.Urls.Count > 0 ? legacy.Value.MinSeverity : options.Value.MinSeverity;

    /// <summary>Queues a look at the run; what is new about it is posted in the background.</summary>
    public void RunChanged(string runId) => _changed.Writer.TryWrite(runId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var targets = Targets;
        if (targets.Count == 0) return;
        using var client = http.CreateClient(HttpClientName);
        // Each attempt is bounded by NotificationOptions.Timeout; the client's own 100 s default would override a longer one.
        client.Timeout = Timeout.InfiniteTimeSpan;
        var sender = new WebhookSender(client, options.Value, time, logger);
        store.RunsChanged += OnRunsChanged;
        try
        {
            var digest = DigestTime() is { } at ? DigestLoopAsync(at, targets, sender, stoppingToken) : Task.CompletedTask;
            await Task.WhenAll(DrainAsync(targets, sender, stoppingToken), digest);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.RunsChanged -= OnRunsChanged;
        }
    }

    private async Task DrainAsync(IReadOnlyList<WebhookTarget> targets, WebhookSender sender, CancellationToken stoppingToken)
    {
        await foreach (var id in _changed.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await using (await _instances.AcquireAsync(LockName, stoppingToken)) await NotifyAsync(id, targets, sender, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !stoppingToken.IsCancellationRequested)
            {
                // A post that cannot be built or stored must not stop the posts of the other runs.
                logger.LogWarning(ex, "Posting about run {RunId} to chat failed", id);
            }
            Interlocked.Increment(ref _handled);
        }
    }

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        foreach (var id in ids) RunChanged(id);
    }

    private TimeOnly? DigestTime()
    {
        try
        {
            return options.Value.DigestTime();
        }
        catch (FormatException ex)
        {
            logger.LogError("{Problem} No daily digest is posted.", ex.Message);
            return null;
        }
    }

    private async Task NotifyAsync(string runId, IReadOnlyList<WebhookTarget> targets, WebhookSender sender, CancellationToken cancellationToken)
    {
        if (store.GetRun(runId) is not { } run)
        {
            // Deleted: what was posted about it is never looked up again.
            _ledger.ForgetRun(runId);
            return;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var findings = health.Findings(run).Where(f => f.Severity >= MinSeverity).ToList();
        var finished = RunCompletion.StateOf(run, now) == RunStates.Finished;
        foreach (var target in targets)
        {
            var fresh = findings.Where(f => !_ledger.WasSent(FindingKey(run, f, target))).ToList();
            if (fresh.Count > 0 && await PostAsync(sender, target, ChatPosts.Findings(run, fresh, DashboardUrl), cancellationToken))
            {
                foreach (var f in fresh) _ledger.RecordSent(FindingKey(run, f, target), now);
            }
            var finishedKey = $"run:{run.Id}|state:{RunStates.Finished}|hook:{target.LedgerId}";
            if (finished && !_ledger.WasSent(finishedKey) && await PostAsync(sender, target, ChatPosts.Finished(run, DashboardUrl), cancellationToken))
            {
                _ledger.RecordSent(finishedKey, now);
            }
        }
    }

    private async Task DigestLoopAsync(TimeOnly at, IReadOnlyList<WebhookTarget> targets, WebhookSender sender, CancellationToken cancellationToken)
    {
        // Yield first: the caller goes on to drain the queue while this waits for the digest time.
        await Task.Yield();
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var due = NextDigest(now, at);
            await Task.Delay(due - now, time, cancellationToken);
            try
            {
                await using (await _instances.AcquireAsync(LockName, cancellationToken)) await PostDigestAsync(due.UtcDateTime, targets, sender, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Posting the daily digest failed");
            }
        }
    }

    /// <summary>The first digest time strictly after <paramref name="now"/>: a server started at 09:05 with a 09:00 digest posts tomorrow.</summary>
    public static DateTimeOffset NextDigest(DateTimeOffset now, TimeOnly at)
    {
        var utc = now.ToUniversalTime();
        var today = new DateTimeOffset(DateOnly.FromDateTime(utc.UtcDateTime).ToDateTime(at), TimeSpan.Zero);
        return today > utc ? today : today.AddDays(1);
    }

    private async Task PostDigestAsync(DateTime due, IReadOnlyList<WebhookTarget> targets, WebhookSender sender, CancellationToken cancellationToken)
    {
        // Only the day's own digest is ever looked up; a week is kept for whoever reads the database.
        _ledger.ForgetDigestsBefore(DateOnly.FromDateTime(due).AddDays(-7));
        // The list has no events; a run's state can depend on them (a "final" checkpoint), so the few active runs are read whole.
        var active = store.ListRuns().Where(r => r.UpdatedAt > due - TimeSpan.FromDays(1)).Select(r => store.GetRun(r.Id)).OfType<Run>().ToList();
        if (ChatPosts.Digest(active, due, DashboardUrl) is not { } post) return;
        foreach (var target in targets)
        {
            var key = $"digest:{due:yyyy-MM-dd}|hook:{target.LedgerId}";
            if (!_ledger.WasSent(key) && await PostAsync(sender, target, post, cancellationToken)) _ledger.RecordSent(key, due);
        }
    }

    private async Task<bool> PostAsync(WebhookSender sender, WebhookTarget target, ChatPost post, CancellationToken cancellationToken)
    {
        if (!await sender.SendAsync(target, WebhookPayloads.For(target.Kind, post), cancellationToken)) return false;
        Interlocked.Increment(ref _posted);
        return true;
    }

    // A finding is the same finding while its rule, metric and step are: a growing log re-raises it on every upload.
    private static string FindingKey(Run run, Finding f, WebhookTarget target) => $"run:{run.Id}|finding:{f.Rule}|{f.Metric}|{f.Step}|hook:{target.LedgerId}";
}
