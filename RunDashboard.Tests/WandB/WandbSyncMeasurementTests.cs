using System.Diagnostics;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

/// <summary>What a first sync and an unchanged re-sync of a real-sized project cost; prints the figures for the README.</summary>
[Collection(MeasurementCollection.Name)]
public class WandbSyncMeasurementTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task First_sync_of_20_runs_of_15000_steps_stores_every_point_and_an_unchanged_resync_only_lists()
    {
        // The shipped defaults: 50 runs per page, windows of 1,000 steps.
        UseServices(Services(FakeWandbServer.ApiKey, perPage: 50, historyPageSize: 1000));
        for (var i = 0; i < 20; i++) AddRun($"run{i:00}", steps: 15_000);

        var clock = Stopwatch.StartNew();
        var first = await SyncAsync(timeout: TimeSpan.FromMinutes(10));
        var firstSeconds = clock.Elapsed.TotalSeconds;
        var firstHistory = Wandb.HistoryRequests;

        Assert.Empty(first.Errors);
        Assert.Equal(20 * (15_000 * 2 + 300), first.NewPoints); // loss and learning rate every step, eval loss every 50th
        foreach (var run in Store.WandbRuns("lab", "pretrain").Values)
        {
            Assert.Equal(15_000, Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Count);
            Assert.Equal(15_000, Store.GetSeries(run.Id, MetricKeys.LearningRate)!.Count);
            Assert.Equal(300, Store.GetSeries(run.Id, MetricKeys.EvalLoss)!.Count);
            Assert.True(run.Wandb!.HistoryComplete);
        }

        var before = Wandb.Requests.Count;
        clock.Restart();
        var again = await SyncAsync();
        var againSeconds = clock.Elapsed.TotalSeconds;

        Assert.Equal(1, Wandb.Requests.Count - before); // one page of runs
        Assert.Equal(firstHistory, Wandb.HistoryRequests);
        Assert.Equal(0, again.NewPoints);
        Output.WriteLine($"first sync: {first.Requests} requests ({Wandb.ListRequests - 1} list, {firstHistory} history), {firstSeconds:F1} s, {first.NewPoints:N0} points");
        Output.WriteLine($"unchanged re-sync: {again.Requests} requests, {againSeconds:F2} s");
    }
}
