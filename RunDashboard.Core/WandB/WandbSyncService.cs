using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RunDashboard.Core.WandB;

/// <summary>Syncs the configured projects every <see cref="WandbOptions.SyncInterval"/>; does nothing when that is not set.</summary>
public sealed class WandbSyncService(WandbSyncRunner runner, IOptions<WandbOptions> options, ILogger<WandbSyncService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.SyncInterval is not { } interval || interval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(interval);
        do
        {
            if (runner.Projects.Count == 0) continue;
            try
            {
                // Behind a load balancer every instance has this timer; the one that holds the lock syncs, the
                // others skip the tick instead of syncing the same projects again right after it.
                var results = await runner.SyncAsync(null, force: false, waitForOtherInstances: false, stoppingToken);
                if (results is null)
                {
                    logger.LogInformation("W&B sync skipped: another sync is running (here or on another instance)");
                    continue;
                }
                foreach (var result in results)
                {
                    logger.LogInformation("W&B sync of {Project}: {Runs} runs, {New} new, {Points} new points, {Requests} requests, {Errors} errors",
                        result.Project, result.Runs, result.NewRuns, result.NewPoints, result.Requests, result.Errors.Count);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
