using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Analysis;

public class RunCompletionTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    private static Run Log(long lastStep, DateTime updated, params (string Key, string Value)[] hyperparameters) => new()
    {
        Source = RunSource.Upload,
        UpdatedAt = updated,
        Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, LastStep = lastStep, Count = 10 }],
        Hyperparameters = hyperparameters.Select(h => new Hyperparameter(h.Key, h.Value)).ToList(),
    };

    [Fact]
    public void A_log_that_reached_its_configured_steps_is_finished()
    {
        Assert.Equal(RunStates.Finished, RunCompletion.StateOf(Log(1800, Now.AddDays(-1), ("iters", "1800")), Now));
    }

    [Fact]
    public void A_log_cut_short_of_its_configured_steps_is_incomplete_once_it_stops_growing()
    {
        var run = Log(2065, Now.AddMinutes(-30), ("optimizer_steps", "4676"));

        Assert.Equal(RunStates.Incomplete, RunCompletion.StateOf(run, Now));
        Assert.Equal(4676, RunCompletion.ConfiguredSteps(run));
    }

    [Fact]
    public void A_log_uploaded_in_the_last_minutes_without_a_final_summary_is_running()
    {
        var run = Log(100, Now.AddMinutes(-3), ("max_steps", "500"));

        Assert.Equal(RunStates.Running, RunCompletion.StateOf(run, Now));
        Assert.Equal(Now.AddMinutes(7), RunCompletion.RunningUntil(run, Now));
    }

    [Fact]
    public void A_final_train_runtime_summary_or_final_weights_finish_a_log_without_a_step_count()
    {
        var summary = Log(180, Now.AddMinutes(-1));
        summary.Summary.Add(new SummaryValue("train_runtime", 512));
        var weights = Log(500, Now.AddHours(-1));
        weights.Events.Add(new RunEvent(500, RunEvent.Checkpoint, "Saved final weights to adapters/adapters.safetensors"));

        Assert.Equal(RunStates.Finished, RunCompletion.StateOf(summary, Now));
        Assert.Equal(RunStates.Finished, RunCompletion.StateOf(weights, Now));
    }

    [Fact]
    public void Wandb_runs_and_logs_that_read_a_crash_keep_their_state()
    {
        var wandb = Log(10, Now.AddHours(-1), ("max_steps", "500"));
        wandb.Source = RunSource.Wandb;
        var crashed = Log(10, Now.AddHours(-1));
        crashed.State = RunStates.Crashed;

        Assert.Equal(RunStates.Finished, RunCompletion.StateOf(wandb, Now));
        Assert.Equal(RunStates.Crashed, RunCompletion.StateOf(crashed, Now));
    }

    [Fact]
    public void A_running_row_of_the_runs_list_turns_incomplete_when_the_window_passes()
    {
        var item = RunListItem.From(Log(100, Now.AddMinutes(-3), ("max_steps", "500")), now: Now);

        Assert.Equal(RunStates.Running, item.State);
        Assert.Equal(RunStates.Running, item.At(Now.AddMinutes(6)).State);
        Assert.Equal(RunStates.Incomplete, item.At(Now.AddMinutes(8)).State);
    }
}
