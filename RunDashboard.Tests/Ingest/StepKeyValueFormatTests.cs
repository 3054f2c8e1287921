using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class StepKeyValueFormatTests
{
    [Fact]
    public void Reads_step_lines_of_the_distillation_log()
    {
        var (import, sink) = Parse.File("distill_progress.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal("step-kv", import.Format);
        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal(50, steps[0]);
        Assert.Equal(21.1090, values[0]);
        Assert.Equal(2065, steps[^1]);
        Assert.Equal(44, steps.Length);
        Assert.Equal(4.43e-06, sink.Series(run, MetricKeys.LearningRate).Values[steps.ToList().IndexOf(1118)]);
        Assert.Equal(2.41, sink.Series(run, MetricKeys.IterationsPerSecond).Values[0]);
    }

    [Fact]
    public void Eval_lines_become_eval_loss_and_its_components()
    {
        var (import, sink) = Parse.File("distill_progress.log");
        var run = import.Runs[0];

        Assert.Equal([1000L, 2000], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal([98.63, 95.86], sink.Series(run, MetricKeys.EvalLoss).Values);
        Assert.Equal([18.00, 14.85], sink.Series(run, "eval/loss/kd").Values);
        Assert.Equal([41.01, 41.22], sink.Series(run, "eval/loss/feature").Values);
        Assert.Equal([0.48, 0.47], sink.Series(run, "eval/loss/attention").Values);
    }

    [Fact]
    public void Warning_lines_become_warning_events_at_their_step()
    {
        var (import, _) = Parse.File("distill_progress.log");
        var warnings = import.Runs[0].Events.Where(e => e.Kind == RunEvent.Warning).ToList();

        var nan = Assert.Single(warnings, w => w.Message.Contains("non-finite value (nan)"));
        Assert.Equal(1118, nan.Step);
        Assert.Equal(31, nan.Line);
        Assert.Equal([1000L, 2000], warnings.Where(w => w.Message.Contains("too high")).Select(w => w.Step));
    }

    [Fact]
    public void Config_and_scheduler_lines_become_hyperparameters()
    {
        var (import, _) = Parse.File("distill_progress.log");
        var hp = import.Runs[0].Hyperparameters;

        Assert.Equal("0.7", hp["alpha_kd"]);
        Assert.Equal("0.1", hp["alpha_feature"]);
        Assert.Equal("256", hp["kd_top_k"]);
        Assert.Equal("467", hp["warmup_steps"]);
        Assert.Equal("74823", hp["total_batches"]);
        Assert.Equal("16", hp["gradient_accumulation"]);
        Assert.Equal("configs/emergency_fix_config.json", hp["config_file"]);
    }

    [Fact]
    public void The_generic_fallback_reads_step_and_colon_pairs()
    {
        var (import, sink) = Parse.File("generic_colon_pairs.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal("any-text", import.Format);
        Assert.Contains("repeating shape", import.FormatReason);
        Assert.Equal([100L, 200, 300, 400], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal(0.91, sink.Series(run, MetricKeys.GradNorm).Values[0]);
        Assert.Equal(5120, sink.Series(run, MetricKeys.TokensPerSecond).Values[0]);
        Assert.Equal([300L], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(9.03, sink.Series(run, "eval/ppl").Values[0]);
    }
}
