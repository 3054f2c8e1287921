using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

/// <summary>
/// History is read the way W&amp;B answers it: <c>history(minStep, maxStep, samples)</c> returns about <c>samples</c>
/// rows spread over the range when the range holds more, so only windows at most <c>samples</c> steps wide are whole.
/// (The pages here are 100 steps wide.)
/// </summary>
public class WandbHistoryScanTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    public async Task A_finished_run_of_15000_steps_is_stored_step_by_step_not_thinned()
    {
        AddRun("long", steps: 15_000);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(0, 15_000).Select(i => (long)i), StoredSteps("long"));
        Assert.Equal(300, StoredSteps("long", MetricKeys.EvalLoss).Count);
        Assert.All(Wandb.HistoryAsked, h => Assert.True(h.Max - h.Min <= h.Samples, $"window [{h.Min}, {h.Max}) is wider than {h.Samples} samples"));
        Assert.Equal(150, Wandb.HistoryRequests);
        Assert.True(StoredRun("long").Wandb!.HistoryComplete);
    }

    [Fact]
    public async Task Empty_windows_in_the_middle_of_a_run_do_not_end_the_scan()
    {
        var run = new FakeRun { Name = "gaps" }.Steps(0, 249).Steps(1000, 1249).Steps(5000, 5099);
        Wandb.Project(Project).Add(run);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(0, 250).Concat(Enumerable.Range(1000, 250)).Concat(Enumerable.Range(5000, 100)).Select(i => (long)i), StoredSteps("gaps"));
        Output.WriteLine($"{Wandb.HistoryRequests} history requests for 600 rows over 5,100 steps");
        // 51 windows of 100 cover 0..5099; jumping over the gaps must cost less than walking them.
        Assert.True(Wandb.HistoryRequests < 40, $"{Wandb.HistoryRequests} history requests");
    }

    [Fact]
    public async Task A_run_resumed_at_step_61010_is_found_without_a_request_per_empty_window()
    {
        Wandb.Project(Project).Add(new FakeRun { Name = "late" }.Steps(61_010, 61_209));

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(61_010, 200).Select(i => (long)i), StoredSteps("late"));
        Output.WriteLine($"{Wandb.HistoryRequests} history requests for a run starting at step 61,010");
        Assert.True(Wandb.HistoryRequests < 25, $"{Wandb.HistoryRequests} history requests (611 windows lie before the first step)");
    }

    [Fact]
    public async Task A_run_whose_historyKeys_has_no_lastStep_is_read_to_its_last_row_and_no_further()
    {
        var run = AddRun("old-client");
        run.HistoryKeysWithoutLastStep = true;

        var result = await SyncAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("old-client"));
        Assert.True(Wandb.HistoryRequests <= 4, $"{Wandb.HistoryRequests} history requests");
        var before = Wandb.HistoryRequests;
        await SyncAsync();
        Assert.Equal(before, Wandb.HistoryRequests); // finished, and the rows agree with historyLineCount
    }

    [Fact]
    public async Task A_float_step_with_an_integral_value_is_a_step()
    {
        var run = new FakeRun { Name = "floats" };
        for (var s = 0; s < 150; s++) run.Row(s, $$"""{"_step":{{s}}.0,"_runtime":{{s}}.5,"train/loss":2.{{s:000}}}""");
        Wandb.Project(Project).Add(run);

        var result = await SyncAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), StoredSteps("floats"));
        Assert.Equal(2, Wandb.HistoryRequests);
    }

    [Fact]
    public async Task A_page_of_rows_that_yields_nothing_new_advances_the_window()
    {
        var run = new FakeRun { Name = "stepless" };
        // A whole window of rows whose step cannot be read, then ordinary ones.
        for (var s = 0; s < 100; s++) run.Row(s, """{"_step":null,"train/loss":2.5}""");
        run.Steps(100, 219);
        Wandb.Project(Project).Add(run);

        var result = await SyncAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(Enumerable.Range(100, 120).Select(i => (long)i), StoredSteps("stepless"));
        Assert.True(Wandb.HistoryRequests <= 3, $"{Wandb.HistoryRequests} history requests");
        Assert.Contains("_step", Report(result));
    }

    [Fact]
    public async Task Rows_that_disagree_with_historyLineCount_leave_the_run_incomplete_and_it_is_fetched_again()
    {
        var run = AddRun("short");
        run.HistoryLineCount = 125; // W&B counts five rows it does not return

        var first = await SyncAsync();

        Assert.Contains("120 of 125", Report(first));
        Assert.False(StoredRun("short").Wandb!.HistoryComplete);
        var before = Wandb.HistoryRequests;

        run.HistoryLineCount = null; // now the count agrees with the rows
        await SyncAsync();
        Assert.True(Wandb.HistoryRequests > before, "an incomplete run is fetched again");
        Assert.True(StoredRun("short").Wandb!.HistoryComplete);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("short"));

        before = Wandb.HistoryRequests;
        await SyncAsync();
        Assert.Equal(before, Wandb.HistoryRequests);
    }

    [Fact]
    public async Task A_run_that_finishes_without_new_steps_is_complete_without_reading_its_history_again()
    {
        var run = AddRun("settling", state: "running");
        await SyncAsync();
        Assert.False(StoredRun("settling").Wandb!.HistoryComplete);
        var before = Wandb.HistoryRequests;

        run.State = "finished";
        await SyncAsync();

        Assert.Equal(before, Wandb.HistoryRequests);
        Assert.True(StoredRun("settling").Wandb!.HistoryComplete);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("settling"));
    }
}
