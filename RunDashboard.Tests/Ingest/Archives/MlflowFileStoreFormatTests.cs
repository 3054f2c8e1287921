using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest.Archives;

public class MlflowFileStoreFormatTests
{
    [Fact]
    public void Reads_a_metric_file_as_one_series_stepped_by_its_third_field()
    {
        var (import, sink) = Parse.Text("mlruns/0/ab12/metrics/val_loss", "1700000000000 1.25 0\n1700000060000 0.75 100\n");

        Assert.Equal("mlflow", import.Format);
        var run = Assert.Single(import.Runs);
        Assert.Equal([0L, 100], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal([1.25, 0.75], sink.Series(run, MetricKeys.EvalLoss).Values);
    }

    [Fact]
    public void A_metric_line_that_is_not_timestamp_value_step_is_reported_with_its_line()
    {
        var (import, sink) = Parse.Text("mlruns/0/ab12/metrics/loss", "1700000000000 1.0 1\n1700000000500 0.9 2\n1700000001000 oops\n1700000002000 0.5 3\n1700000003000 0.4 4\n");

        var run = Assert.Single(import.Runs);
        Assert.Equal([1L, 2, 3, 4], sink.Series(run, MetricKeys.TrainLoss).Steps);
        var problem = Assert.Single(import.Problems);
        Assert.Equal(3, problem.Line);
        Assert.Equal("mlruns/0/ab12/metrics/loss", problem.File);
    }

    [Fact]
    public void A_non_finite_value_is_kept_and_reported()
    {
        var (import, sink) = Parse.Text("mlruns/0/ab12/metrics/loss", "1700000000000 1.0 1\n1700000001000 nan 2\n");

        var run = Assert.Single(import.Runs);
        Assert.True(double.IsNaN(sink.Series(run, MetricKeys.TrainLoss).Values[1]));
        Assert.Contains(import.Problems, p => p.Line == 2 && p.Message.Contains("non-finite"));
    }

    [Fact]
    public void A_param_file_is_a_hyperparameter_named_after_the_file()
    {
        var (import, _) = Parse.Text("mlruns/0/ab12/params/lora/r", "16");

        var run = Assert.Single(import.Runs);
        Assert.True(run.IsSettingsOnly);
        Assert.Equal("16", run.Hyperparameters["lora/r"]);
    }

    [Fact]
    public void The_run_meta_gives_name_state_and_start_time()
    {
        var (import, _) = Parse.Text("mlruns/0/ab12/meta.yaml",
            "artifact_uri: file:///tmp/a\nend_time: null\nexperiment_id: '0'\nlifecycle_stage: active\nrun_id: ab12\nrun_name: calm-owl-7\nstart_time: 1700000000000\nstatus: 1\n");

        var run = Assert.Single(import.Runs);
        Assert.Equal("calm-owl-7", run.Name);
        Assert.Equal(RunStates.Running, run.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000000).UtcDateTime, run.CreatedAt);
    }
}
