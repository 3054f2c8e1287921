using RunDashboard.Core.Cluster;
using RunDashboard.Core.WandB;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

public class WandbSyncLockTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    public async Task The_timer_skips_its_tick_while_another_instance_syncs_and_a_requested_sync_waits_for_it()
    {
        AddRun("run0");
        var runner = Get<WandbSyncRunner>();
        var elsewhere = await Get<IInstanceLock>().TryAcquireAsync(WandbSyncRunner.LockName);
        Assert.NotNull(elsewhere);

        Assert.Null(await runner.SyncAsync([Project], force: false, waitForOtherInstances: false, CancellationToken.None));
        Assert.Empty(Wandb.Requests);

        var requested = runner.SyncAsync([Project]);
        await Task.Delay(200);
        Assert.False(requested.IsCompleted, "a sync ran while another instance held the lock");
        await elsewhere!.DisposeAsync();
        var results = await requested.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, results.Single().NewRuns);

        var tick = await runner.SyncAsync([Project], force: false, waitForOtherInstances: false, CancellationToken.None);
        Assert.NotNull(tick);
    }
}
