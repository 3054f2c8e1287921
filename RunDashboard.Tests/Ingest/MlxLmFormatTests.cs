using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class MlxLmFormatTests
{
    [Fact]
    public void Detects_mlx_lm_output_and_says_why()
    {
        var (import, _) = Parse.File("mlx_lm_lora_run3.log");

        Assert.True(import.Succeeded, import.Error);
        Assert.Equal("mlx-lm", import.Format);
        Assert.Contains("Iter N", import.FormatReason);
    }

    [Fact]
    public void Parses_train_lines_into_canonical_series()
    {
        var (import, sink) = Parse.File("mlx_lm_lora_run3.log");
        var run = Assert.Single(import.Runs);

        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal(36, steps.Length);
        Assert.Equal(50, steps[0]);
        Assert.Equal(2.061, values[0]);
        Assert.Equal(1800, steps[^1]);
        Assert.Equal(1.379, values[^1]);

        Assert.Equal(1e-05, sink.Series(run, MetricKeys.LearningRate).Values[0]);
        Assert.Equal(0.372, sink.Series(run, MetricKeys.IterationsPerSecond).Values[0]);
        Assert.Equal(156.140, sink.Series(run, MetricKeys.TokensPerSecond).Values[0]);
        Assert.Equal(751680, sink.Series(run, MetricKeys.Tokens).Values[^1]);
        Assert.Equal(8.100, sink.Series(run, MetricKeys.PeakMemoryGb).Values[^1]);
    }

    [Fact]
    public void Parses_val_loss_lines_with_iteration()
    {
        var (import, sink) = Parse.File("mlx_lm_lora_run3.log");
        var run = Assert.Single(import.Runs);

        var (steps, values) = sink.Series(run, MetricKeys.EvalLoss);
        Assert.Equal([1L, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800], steps);
        Assert.Equal(2.901, values[0]);
        Assert.Equal(1.558, values[^1]);
        Assert.Equal(29.099, sink.Series(run, "eval/runtime_seconds").Values[^1]);
    }

    [Fact]
    public void Keeps_the_source_names_as_aliases()
    {
        var (import, _) = Parse.File("mlx_lm_lora_run3.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal("Train loss", run.Series.Single(s => s.Key == MetricKeys.TrainLoss).Alias);
        Assert.Equal("Val loss", run.Series.Single(s => s.Key == MetricKeys.EvalLoss).Alias);
    }

    [Fact]
    public void Saved_adapter_lines_become_checkpoint_events()
    {
        var (import, _) = Parse.File("mlx_lm_lora_run3.log");
        var run = Assert.Single(import.Runs);

        var checkpoints = run.Events.Where(e => e.Kind == RunEvent.Checkpoint).ToList();
        Assert.Equal([500L, 1000, 1500, 1800], checkpoints.Select(e => e.Step));
        Assert.Contains("0000500_adapters.safetensors", checkpoints[0].Message);
        Assert.Contains("final weights", checkpoints[^1].Message);
    }

    [Fact]
    public void Reads_iters_from_the_start_line_as_a_hyperparameter()
    {
        var (import, _) = Parse.File("mlx_lm_lora_run3.log");

        Assert.Equal("1800", import.Runs[0].Hyperparameters["iters"]);
    }

    [Fact]
    public void Reports_each_bad_line_with_its_number_and_keeps_the_rest()
    {
        var (import, sink) = Parse.File("mlx_lm_problems.log");
        var run = Assert.Single(import.Runs);
        string At(int line) => string.Join(" | ", import.Problems.Where(p => p.Line == line).Select(p => p.Message));

        Assert.Contains("non-finite", At(5));
        // Iter 75 after Iter 100 goes back but stays above the first step: a resume, not a new run.
        Assert.Contains(run.Events, e => e.Kind == RunEvent.Resumed && e.Step == 75);
        Assert.Contains("Learning Rate oops", At(7));
        Assert.Contains("duplicate step 150", At(8));
        Assert.Contains("without an iteration number", At(9));

        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([50L, 75, 150], steps);
        Assert.Equal(1.950, values[1]);
        // Iter 150 is printed twice: the later value stands, as after a resume.
        Assert.Equal(1.800, values[2]);
        Assert.Equal([75L, 200], run.Events.Select(e => e.Step));
    }
}
