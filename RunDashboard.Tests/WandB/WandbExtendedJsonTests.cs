using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

/// <summary>
/// W&amp;B's backend writes history rows, summaries and configs with Python's json, which puts bare <c>NaN</c>,
/// <c>Infinity</c> and <c>-Infinity</c> in the text: the same text must be readable here.
/// </summary>
public class WandbExtendedJsonTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    public async Task A_bare_NaN_in_one_runs_summary_does_not_stop_the_listing()
    {
        for (var i = 0; i < 6; i++) AddRun($"run{i}");
        Wandb.Project(Project)[2].Summary = """{"train/loss":NaN,"eval/loss":Infinity,"train/grad_norm":-Infinity,"_step":119,"_runtime":180.5}""";

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(6, Store.WandbRuns("lab", "pretrain").Count);
        var summary = StoredRun("run2").Summary.ToDictionary(s => s.Key, s => s.Value);
        Assert.True(double.IsNaN(summary["train/loss"]));
        Assert.Equal(double.PositiveInfinity, summary["eval/loss"]);
        Assert.Equal(double.NegativeInfinity, summary["train/grad_norm"]);
        Assert.Equal(180.5, summary["_runtime"]);
    }

    [Fact]
    public async Task Bare_NaN_and_Infinity_in_history_rows_are_non_finite_points_the_health_checks_count()
    {
        var run = AddEmptyRun("spiky");
        run.Steps(0, 9);
        run.Row(10, """{"_step":10,"train/loss":NaN,"train/learning_rate":4.68e-05}""");
        run.Row(11, """{"_step":11,"train/loss":Infinity,"train/learning_rate":4.68e-05}""");
        run.Row(12, """{"_step":12,"train/loss":-Infinity,"train/learning_rate":4.68e-05}""");
        run.Steps(13, 119);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("spiky"));
        var stored = StoredRun("spiky");
        Assert.Equal(3, stored.FindMetric(MetricKeys.TrainLoss)!.NonFinite);
        var values = Store.GetSeries(stored.Id, MetricKeys.TrainLoss)!.Values;
        Assert.True(double.IsNaN(values[10]));
        Assert.Equal(double.PositiveInfinity, values[11]);
        Assert.Equal(double.NegativeInfinity, values[12]);
        Assert.Contains(Get<HealthService>().Findings(stored), f => f.Rule == "non-finite" && f.Message.Contains("3 non-finite values, first at step 10"));
    }

    [Fact]
    public async Task A_bare_NaN_in_a_config_is_read()
    {
        var run = AddRun("cfg");
        run.Config = """{"label_smoothing":{"desc":null,"value":NaN},"batch_size":{"desc":null,"value":8}}""";

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal("NaN", StoredRun("cfg").FindHyperparameter("label_smoothing"));
        Assert.Equal("8", StoredRun("cfg").FindHyperparameter("batch_size"));
    }

    [Fact]
    public async Task W_and_B_bookkeeping_keys_of_the_config_are_not_hyperparameters()
    {
        var run = AddRun("cfg");
        // The Python client writes wandb_version and _wandb into every config; neither was set by the user.
        run.Config = """{"wandb_version":1,"_wandb":{"desc":null,"value":{"cli_version":"0.19.1","python_version":"3.11"}},"learning_rate":{"desc":null,"value":4.68e-05}}""";

        await SyncAsync();

        Assert.Equal(["learning_rate"], StoredRun("cfg").Hyperparameters.Select(h => h.Key));
    }

    [Fact]
    public async Task An_unreadable_history_row_is_a_problem_naming_run_step_and_byte_and_everything_else_is_stored()
    {
        var bad = AddEmptyRun("bad");
        bad.Steps(0, 41).Row(42, """{"_step":42,"train/loss":2.9,"train/learning_rate":}""").Steps(43, 119);
        AddRun("good");

        var result = await SyncAsync();

        var report = Report(result);
        Assert.Contains("bad", report);
        Assert.Contains("step 42", report);
        Assert.Contains("byte 51", report);
        Assert.Equal(Enumerable.Range(0, 120).Where(i => i != 42).Select(i => (long)i), StoredSteps("bad"));
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("good"));
        Assert.False(StoredRun("bad").Wandb!.HistoryComplete);
    }
}
