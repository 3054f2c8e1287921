using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class NanoGptFormatTests
{
    [Fact]
    public void Iter_lines_are_train_loss_with_time_and_mfu()
    {
        var (import, sink) = Parse.File("nanogpt_train.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal("nanogpt", import.Format);
        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal(51, steps.Length);
        Assert.Equal(4.2654, values[0]);
        Assert.Equal(98.8, sink.Series(run, "train/iteration_time_ms").Values[1]);
        Assert.Equal(-100, sink.Series(run, "train/mfu_percent").Values[0]);
    }

    [Fact]
    public void Step_lines_are_the_periodic_estimates_of_both_splits()
    {
        var (import, sink) = Parse.File("nanogpt_train.log");
        var run = import.Runs[0];

        Assert.Equal([0L, 250, 500], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(4.2823, sink.Series(run, MetricKeys.EvalLoss).Values[0]);
        Assert.Equal(4.2874, sink.Series(run, "eval/train_loss").Values[0]);
        Assert.Equal([250L, 500], run.Events.Where(e => e.Kind == RunEvent.Checkpoint).Select(e => e.Step));
    }
}

public class MegatronFormatTests
{
    [Fact]
    public void Reads_iteration_fields_by_name()
    {
        var (import, sink) = Parse.File("megatron_pretrain.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal("megatron", import.Format);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i * 10), sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal(7.1, sink.Series(run, MetricKeys.TrainLoss).Values[0], 9);
        Assert.Equal(3e-5, sink.Series(run, MetricKeys.LearningRate).Values[0], 12);
        Assert.Equal(2.335, sink.Series(run, MetricKeys.GradNorm).Values[0]);
        Assert.Equal(320, sink.Series(run, "train/consumed_samples").Values[0]);
        Assert.Equal("500000", run.Hyperparameters["train_iters"]);
    }

    [Fact]
    public void Validation_lines_become_eval_loss_and_perplexity()
    {
        var (import, sink) = Parse.File("megatron_pretrain.log");

        Assert.Equal([50L, 100], sink.Series(import.Runs[0], MetricKeys.EvalLoss).Steps);
        Assert.Equal(6.4, sink.Series(import.Runs[0], MetricKeys.EvalLoss).Values[0], 9);
        Assert.Equal(850, sink.Series(import.Runs[0], "eval/ppl").Values[0]);
    }

    [Fact]
    public void Lines_of_another_host_the_megatron_reader_does_not_know_are_read_by_the_generic_reader()
    {
        // Megatron-DeepSpeed under pdsh: the first stage's host prints DeepSpeed's "steps:" lines, the last stage's
        // host the iteration lines and the validation.
        var log = """
            localhost: steps: 1 loss: 12.6360 iter time (s): 126.117 samples/sec: 0.127
            10.0.0.2:  iteration        1/       3 | learning rate: 5.263E-07 | lm loss: 1.263599E+01 | grad norm: 20.203 |
            localhost: steps: 2 loss: 12.6592 iter time (s): 77.121 samples/sec: 0.207
            10.0.0.2:  iteration        2/       3 | learning rate: 1.053E-06 | lm loss: 1.265920E+01 | grad norm: 19.870 |
            localhost: steps: 3 loss: 12.6421 iter time (s): 126.985 samples/sec: 0.126
            10.0.0.2:  iteration        3/       3 | learning rate: 1.579E-06 | lm loss: 1.264210E+01 | grad norm: 19.112 |
            10.0.0.2:  validation loss at iteration 3 on 160-sample draw from validation set | lm loss value: 1.002474E+01 | lm loss PPL: 2.257831E+04 |
            """;
        var (import, sink) = Parse.Text("megatron.log", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal("megatron", import.Format);
        var deepSpeed = run.Series.Single(s => s.Alias == "loss");
        Assert.Equal([12.636, 12.6592, 12.6421], sink.Series(run, deepSpeed.Key).Values);
        Assert.Equal([1L, 2, 3], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal("lm loss", run.Series.Single(s => s.Key == MetricKeys.TrainLoss).Alias);
        Assert.Equal([3L], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(10.02474, sink.Series(run, MetricKeys.EvalLoss).Values[0]);
        Assert.Equal(0, import.ProblemCount);
    }
}
