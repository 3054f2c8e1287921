using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Core;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Core.WandB;
using RunDashboard.Tests.Support;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

public class WandbSyncTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    public async Task Pages_through_every_run_and_stores_metadata_config_summary_and_history()
    {
        for (var i = 0; i < 7; i++) AddRun($"run{i}", tags: i == 0 ? ["4M", "10mtx1"] : []);
        var first = Wandb.Project(Project)[0];
        first.Config = """{"learning_rate":{"desc":null,"value":4.68e-05},"model":{"desc":null,"value":{"size":"10M","layers":6}},"_wandb":{"value":{"cli_version":"0.19"}}}""";
        first.Summary = """{"train/loss":2.17,"_step":119,"_timestamp":1757012345.6,"_wandb":{"runtime":1804}}""";
        first.Group = "test_match_60M";

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(7, result.Runs);
        Assert.Equal(7, result.NewRuns);
        Assert.Equal(4, Wandb.ListRequests); // 7 runs at 2 per page
        Assert.Equal(14, Wandb.HistoryRequests); // 120 steps at 100 per page
        Assert.Equal(result.Requests, Wandb.Requests.Count);
        var run = StoredRun("run0");
        Assert.Equal(RunSource.Wandb, run.Source);
        Assert.Equal("display-run0", run.Name);
        Assert.Equal(Project, run.Project);
        Assert.Equal(["4M", "10mtx1"], run.Tags);
        Assert.Equal("4.68e-05", run.FindHyperparameter("learning_rate"));
        Assert.Equal("10M", run.FindHyperparameter("model.size"));
        Assert.DoesNotContain(run.Hyperparameters, h => h.Key.Contains("_wandb", StringComparison.Ordinal));
        Assert.Equal(1804, run.Summary.Single(s => s.Key == "_runtime").Value);
        Assert.Equal("test_match_60M", run.Wandb!.Group);
        Assert.Equal("ada", run.Wandb.User);
        Assert.Equal($"{Wandb.BaseUrl}/lab/pretrain/runs/run0", run.ExternalUrl);
        var loss = Store.GetSeries(run.Id, MetricKeys.TrainLoss)!;
        Assert.Equal(120, loss.Count);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), loss.Steps);
        Assert.Equal(3, Store.GetSeries(run.Id, MetricKeys.EvalLoss)!.Count);
        Assert.Null(run.FindMetric("media/sample")); // an image is not a series
        Assert.Equal(1757000000 + 3 * 1.5, loss.Times![3], 3);
    }

    [Fact]
    public async Task A_resync_where_nothing_changed_only_lists_the_runs()
    {
        for (var i = 0; i < 300; i++) Wandb.Project(Project).Add(new FakeRun { Name = $"r{i:000}" }.Steps(0, 9));
        using var services = Services(FakeWandbServer.ApiKey, perPage: 50);
        await SyncAsync(services: services);
        var before = Wandb.Requests.Count;

        var again = await SyncAsync(services: services);

        var requests = Wandb.Requests.Count - before;
        Output.WriteLine($"re-sync of 300 unchanged runs at 50 per page: {requests} requests (bound {300 / 50 + 1})");
        Assert.True(requests <= 300 / 50 + 1, $"{requests} requests");
        Assert.Equal(requests, again.Requests);
        Assert.Equal(0, again.NewPoints);
    }

    [Fact]
    public async Task Tags_added_after_a_run_finished_are_picked_up_without_refetching_its_history()
    {
        var run = AddRun("done", tags: ["finetune"]);
        await SyncAsync();
        var history = Wandb.HistoryRequests;

        run.Tags = ["10mtx1", "4M", "finetune"];
        await SyncAsync();

        Assert.Equal(["10mtx1", "4M", "finetune"], StoredRun("done").Tags);
        Assert.Equal(history, Wandb.HistoryRequests);
        Assert.Equal(120, Store.GetSeries(StoredRun("done").Id, MetricKeys.TrainLoss)!.Count);
    }

    [Fact]
    public async Task A_running_run_that_gained_steps_fetches_only_the_new_pages_and_has_no_duplicates()
    {
        var run = AddRun("live", state: "running", steps: 150);
        await SyncAsync();
        var history = Wandb.HistoryRequests;
        var id = StoredRun("live").Id;

        run.Steps(150, 269); // 120 new steps: two pages of 100
        run.State = "finished";
        var result = await SyncAsync();

        Assert.Equal(2, Wandb.HistoryRequests - history);
        Assert.Equal(243, result.NewPoints); // loss and learning rate for 120 steps, eval loss at 150, 200 and 250
        var loss = Store.GetSeries(id, MetricKeys.TrainLoss)!;
        Assert.Equal(Enumerable.Range(0, 270).Select(i => (long)i), loss.Steps);
        Assert.Equal(270, StoredRun("live").FindMetric(MetricKeys.TrainLoss)!.Count);
        Assert.Equal(id, StoredRun("live").Id);
        Assert.Equal("finished", StoredRun("live").State);

        await SyncAsync(); // finished and complete now: not fetched again
        Assert.Equal(history + 2, Wandb.HistoryRequests);
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_and_then_succeeds()
    {
        AddRun("a");
        Wandb.FailNext(429, retryAfterSeconds: 1);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(2, Wandb.ListRequests);
        var gap = Wandb.Requests[1].At - Wandb.Requests[0].At;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"retried after {gap.TotalMilliseconds:F0} ms, Retry-After said 1 s");
        Assert.Single(Store.WandbRuns("lab", "pretrain"));
    }

    [Fact]
    public async Task Two_503s_are_retried_and_the_sync_succeeds()
    {
        AddRun("a");
        Wandb.FailNext(503, times: 2);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(3, Wandb.ListRequests);
        Assert.Equal(result.Requests, Wandb.Requests.Count);
    }

    [Fact]
    public async Task A_wrong_key_is_one_request_and_a_clear_error_without_the_key()
    {
        AddRun("a");
        using var services = Services("wrong-key-value");

        var result = await SyncAsync(services: services);

        var error = Assert.Single(result.Errors);
        Assert.Contains("refused the API key (HTTP 401)", error);
        Assert.DoesNotContain("wrong-key-value", error);
        Assert.Single(Wandb.Requests);
        Assert.Empty(services.GetRequiredService<RunStore>().ListRuns());
    }

    [Fact]
    public async Task Malformed_json_is_reported_not_crashed_on()
    {
        AddRun("a");
        Wandb.AnswerNext("{\"data\": {\"project\": ");

        var result = await SyncAsync();

        Assert.Contains("not valid JSON", Assert.Single(result.Errors));
        Assert.Single(Wandb.Requests);
    }

    [Fact]
    public async Task A_graphql_error_body_is_reported_with_its_message()
    {
        var result = (await Get<WandbSyncRunner>().SyncAsync(["lab/missing"])).Single();

        Assert.Contains("project not found: lab/missing", Assert.Single(result.Errors));
    }

    [Fact]
    public async Task A_run_deleted_in_wandb_is_marked_deleted_and_kept()
    {
        AddRun("keep");
        AddRun("gone");
        await SyncAsync();

        Wandb.Project(Project).RemoveAll(r => r.Name == "gone");
        var result = await SyncAsync();

        Assert.Equal(1, result.DeletedRuns);
        Assert.Equal(RunStates.Deleted, StoredRun("gone").State);
        Assert.Equal(120, Store.GetSeries(StoredRun("gone").Id, MetricKeys.TrainLoss)!.Count);
        Assert.Equal("finished", StoredRun("keep").State);
    }

    [Fact]
    public async Task An_interrupted_sync_resumes_without_duplicate_points()
    {
        for (var i = 0; i < 4; i++) AddRun($"run{i}");
        Wandb.FailHistoryOf = "run2"; // beyond every retry: the sync stops there

        var first = await SyncAsync();

        Assert.Contains("HTTP 500", Assert.Single(first.Errors));
        Assert.Equal(["run0", "run1"], Store.WandbRuns("lab", "pretrain").Keys.Order());
        var history = Wandb.HistoryRequests;

        Wandb.FailHistoryOf = null;
        var second = await SyncAsync();

        Assert.Empty(second.Errors);
        Assert.Equal(4, Wandb.HistoryRequests - history); // run2 and run3 only, two pages each
        foreach (var run in Store.WandbRuns("lab", "pretrain").Values)
        {
            Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Steps);
        }
        Assert.Equal(4, Store.WandbRuns("lab", "pretrain").Count);
    }

    [Fact]
    public async Task A_full_refresh_downloads_all_history_again_without_doubling_it()
    {
        AddRun("a");
        await SyncAsync();
        var history = Wandb.HistoryRequests;

        await SyncAsync(force: true);

        Assert.Equal(history * 2, Wandb.HistoryRequests);
        Assert.Equal(120, Store.GetSeries(StoredRun("a").Id, MetricKeys.TrainLoss)!.Count);
    }

    [Fact]
    public async Task A_run_listing_whose_cursor_does_not_advance_stops_and_marks_nothing_deleted()
    {
        AddRun("kept");
        await SyncAsync();
        // A page that says there is more but gives no cursor to ask for it with.
        Wandb.AnswerNext("""{"data":{"project":{"internalId":"UHJvamVjdDox","runCount":1,"runs":{"edges":[],"pageInfo":{"endCursor":null,"hasNextPage":true}}}}}""");

        var result = await SyncAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Contains("did not move past", Assert.Single(result.Errors));
        Assert.Equal(0, result.DeletedRuns);
        Assert.Equal("finished", StoredRun("kept").State);
    }
}
