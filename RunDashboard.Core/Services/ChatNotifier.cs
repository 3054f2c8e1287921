using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Posts a run's new findings (at or above <see cref="ChatWebhookOptions.MinSeverity"/>) to the configured chat webhooks
/// when the run changes: an upload, a growing log, a sync. A finding (rule, metric, step) is posted once per process.
/// </summary>
public sealed class ChatNotifier(RunStore store, HealthService health, IHttpClientFactory http, IOptions<ChatWebhookOptions> options, ILogger<ChatNotifier> logger)
    : BackgroundService
{
    public const string HttpClientName = "chat-webhooks";

    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, HashSet<string>> _posted = new();

    /// <summary>Messages posted so far (for the status page and tests).</summary>
    public int Posted { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Urls.Count == 0) return;
        store.RunsChanged += OnRunsChanged;
        try
        {
            await foreach (var id in _changed.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await NotifyAsync(id, stoppingToken);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException or UriFormatException && !stoppingToken.IsCancellationRequested)
                {
                    logger.LogWarning("Posting findings of run {RunId} to chat failed: {Error}", id, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            store.RunsChanged -= OnRunsChanged;
        }
    }

    private void OnRunsChanged(IReadOnlyList<string> ids)
    {
        foreach (var id in ids) _changed.Writer.TryWrite(id);
    }

    private async Task NotifyAsync(string runId, CancellationToken cancellationToken)
    {
        if (store.GetRun(runId) is not { } run) return;
        var o = options.Value;
        var posted = _posted.GetOrAdd(runId, _ => []);
        var fresh = health.Findings(run).Where(f => f.Severity >= o.MinSeverity && !posted.Contains(Key(f))).ToList();
        if (fresh.Count == 0) return;
        var url = o.DashboardUrl is { Length: > 0 } baseUrl ? $"{baseUrl.TrimEnd('/')}/runs/{Uri.EscapeDataString(run.Id)}" : null;
        var payload = new { text = ChatMessage.For(run, fresh, url) };
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = o.Timeout;
        foreach (var hook in o.Urls)
        {
            using var response = await client.PostAsJsonAsync(hook, payload, cancellationToken);
            if (!response.IsSuccessStatusCode) logger.LogWarning("Chat webhook answered {Status} for run {RunId}", (int)response.StatusCode, runId);
        }
        foreach (var f in fresh) posted.Add(Key(f));
        Posted++;
    }

    private static string Key(Finding f) => $"{f.Rule}|{f.Metric}|{f.Step}";
}
