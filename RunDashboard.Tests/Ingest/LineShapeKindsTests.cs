using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// Line shapes of published logs the generic reader first misread (real/unseen, third batch), each reduced to a
/// few lines of the same shape: a ranked metric's name in a label, a split-prefixed step name, an epoch number
/// shared by every shape of a log, a checkpoint announcement with its epoch (mmcv's runner).
/// </summary>
public sealed class LineShapeKindsTests
{
    [Fact]
    public void A_ranked_metric_name_with_its_cut_off_starts_the_label()
    {
        var fields = LineFields.Read("train Loss: 2.4752 Top-1 Acc: 4.8644 Top-5 Acc: 29.1611");

        Assert.Equal([("train Loss", 2.4752), ("Top-1 Acc", 4.8644), ("Top-5 Acc", 29.1611)], fields.Select(f => (f.Label, f.Value)));
    }

    [Theory]
    [InlineData("saved ckpt-50 loss: 2.5", "loss")]
    [InlineData("run-3 loss: 2.5", "loss")]
    [InlineData("Top-1 2.5", "")]
    [InlineData("top-100 acc: 2.5", "acc")]
    public void Other_hyphenated_names_with_digits_still_break_a_label(string line, string label)
    {
        var field = Assert.Single(LineFields.Read(line));
        Assert.Equal(label, field.Label);
        Assert.Equal(2.5, field.Value);
    }

    [Fact]
    public void Epoch_blocks_with_ranked_accuracies_read_as_train_and_test_series()
    {
        // Shape of real/unseen/resnet_cifar_3models_epoch_blocks.log.
        var (import, sink) = Parse.Text("resnet.log", """
            resnet-50 - Epoch 1/100
            ----------
            lr: [0.0002]
            train Loss: 2.4752 Top-1 Acc: 4.8644 Top-5 Acc: 29.1611
            test Loss: 2.4580 Top-1 Acc: 4.1501 Top-5 Acc: 35.7653
            resnet-50 - Epoch 2/100
            ----------
            lr: [0.0004]
            train Loss: 1.7950 Top-1 Acc: 35.7960 Top-5 Acc: 69.6722
            test Loss: 1.4343 Top-1 Acc: 48.1781 Top-5 Acc: 82.5324
            resnet-50 - Epoch 3/100
            ----------
            lr: [0.0006]
            train Loss: 1.5582 Top-1 Acc: 42.2065 Top-5 Acc: 78.5267
            test Loss: 1.3762 Top-1 Acc: 48.8504 Top-5 Acc: 83.3707
            Best test Top-1 Acc: 48.850400
            Best test Top-5 Acc: 83.370700
            """);
        var run = Assert.Single(import.Runs);

        var trainTop1 = GenericTextParser.KeyFor("Top-1 Acc", "", evalTemplate: false, epochLevel: false);
        var testTop1 = GenericTextParser.KeyFor("test Top-1 Acc", "", evalTemplate: false, epochLevel: false);
        Assert.NotEqual(trainTop1, testTop1);
        Assert.Equal([4.8644, 35.7960, 42.2065], sink.Series(run, trainTop1).Values);
        Assert.Equal([4.1501, 48.1781, 48.8504], sink.Series(run, testTop1).Values);
        Assert.Equal([1L, 2, 3], sink.Series(run, testTop1).Steps);
        Assert.Equal([2.4580, 1.4343, 1.3762], sink.Series(run, MetricKeys.EvalLoss).Values);
        // Two lines that differ only in the cut-off of their label are two metrics, not one read twice.
        Assert.Equal([48.8504], sink.Series(run, run.Series.Single(s => s.Alias.EndsWith("Best test Top-1 Acc", StringComparison.Ordinal)).Key).Values);
        Assert.Equal([83.3707], sink.Series(run, run.Series.Single(s => s.Alias.EndsWith("Best test Top-5 Acc", StringComparison.Ordinal)).Key).Values);
        Assert.Equal(0, import.ProblemCount);
    }

    [Theory]
    [InlineData("ips: 7.86095 samples/s, eta: 2 days, 20:01:28, max_mem_reserved: 11326 MB", 2 * 86400 + 20 * 3600 + 60 + 28)]
    [InlineData("ips: 7.86095 samples/s, eta: 1 day, 0:00:05, max_mem_reserved: 11326 MB", 86400 + 5)]
    [InlineData("ips: 7.86095 samples/s, eta: 0:32:33, max_mem_reserved: 11326 MB", 32 * 60 + 33)]
    public void A_duration_of_days_and_a_clock_is_one_number_of_seconds(string line, double seconds)
    {
        var fields = LineFields.Read(line);

        Assert.Equal(["ips", "eta", "max_mem_reserved"], fields.Select(f => f.Label));
        Assert.Equal(seconds, fields[1].Value);
        Assert.Equal("s", fields[1].Unit);
        Assert.Equal(11326, fields[2].Value);
    }

    [Theory]
    [InlineData("ppocr INFO: epoch: [3/500], global_step: 500, lr: 0.005000, loss: 0.609742")]
    [InlineData("openrec INFO: epoch: [3/500], global_step: 500, lr: 0.005000, loss: 0.609742")]
    public void A_logger_name_and_level_before_the_message_are_not_part_of_the_first_label(string line)
    {
        var fields = LineFields.Read(line);

        Assert.Equal(["epoch", "global_step", "lr", "loss"], fields.Select(f => f.Label));
        Assert.Equal(500, fields[0].Total);
    }

    [Theory]
    [InlineData("train_num_updates", true)]
    [InlineData("valid_num_updates", true)]
    [InlineData("eval_step", true)]
    [InlineData("train_step", true)]
    [InlineData("eval_steps", false)]
    [InlineData("train_iters", false)]
    [InlineData("train_loss", false)]
    public void A_split_prefix_joined_by_an_underscore_names_a_step_only_before_a_singular_counter(string label, bool isStep)
    {
        var rank = StepNames.Rank(label);
        Assert.Equal(isStep, rank is >= 0 and < 100);
    }

    [Fact]
    public void Json_epoch_summaries_are_stepped_by_their_split_prefixed_update_count()
    {
        // Shape of fairseq's --log-format json end-of-epoch lines (real/unseen/fairseq_hydra_json_epoch_issue2493.log).
        var (import, sink) = Parse.Text("train.log", """
            2021-01-05 21:54:56 | INFO | train | {"epoch": 21, "train_loss": "816.933", "train_nll_loss": "7.584", "train_num_updates": "643", "train_lr": "2.49835e-05"}
            2021-01-05 21:54:56 | INFO | fairseq.trainer | begin training epoch 22
            2021-01-05 21:56:35 | INFO | train | {"epoch": 22, "train_loss": "788.127", "train_nll_loss": "7.317", "train_num_updates": "674", "train_lr": "2.61638e-05"}
            2021-01-05 21:56:35 | INFO | fairseq.trainer | begin training epoch 23
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal([643L, 674], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([816.933, 788.127], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.Equal([643L, 674], sink.Series(run, MetricKeys.LearningRate).Steps);
    }

    [Fact]
    public void An_epoch_number_printed_by_every_shape_does_not_make_the_update_lines_a_summary()
    {
        // Shape of fairseq-lua's log (real/unseen/fairseq_lua_fconv_issue60.log): a bookkeeping line with the epoch
        // comes first, then the per-update lines, then the checkpoint's end-of-epoch summary.
        var (import, sink) = Parse.Text("fconv.log", """
            | epoch 009 | 0045063 updates | 0000000 epoch updates | path trainings/fconv/state_last.th7
            | epoch 009 | 0046063 updates | words/s    7730| trainloss     3.03 | train ppl     8.14
            | epoch 009 | 0047063 updates | words/s    7784| trainloss     2.85 | train ppl     7.21
            | epoch 009 | 0048063 updates | words/s    7772| trainloss     2.82 | train ppl     7.05
            | checkpoint 010 | epoch 010 | 0050070 updates | trainloss     2.87 | train ppl     7.31
            | epoch 010 | 0051070 updates | words/s    7650| trainloss     2.77 | train ppl     6.84
            """);
        var run = Assert.Single(import.Runs);

        var perUpdate = GenericTextParser.KeyFor("trainloss", "", evalTemplate: false, epochLevel: false);
        Assert.Equal([46063L, 47063, 48063, 51070], sink.Series(run, perUpdate).Steps);
        Assert.Equal([3.03, 2.85, 2.82, 2.77], sink.Series(run, perUpdate).Values);
        // The checkpoint line, with the same metrics and an epoch, is the epoch's summary.
        var summary = GenericTextParser.KeyFor("trainloss", "", evalTemplate: false, epochLevel: true);
        Assert.Equal([50070L], sink.Series(run, summary).Steps);
        Assert.Equal([2.87], sink.Series(run, summary).Values);
    }
    [Fact]
    public void A_checkpoint_announcement_is_an_event_and_its_number_no_metric()
    {
        // mmcv's runner: "Saving checkpoint at N epochs" between the epochs' iteration lines.
        var (import, sink) = Parse.Text("mmcls.log", """
            2021-07-14 13:52:26,135 - mmcls - INFO - Epoch [1][10/35]	lr: 1.000e-02, time: 0.611, loss: 1.4048
            2021-07-14 13:52:30,150 - mmcls - INFO - Epoch [1][20/35]	lr: 1.000e-02, time: 0.402, loss: 0.4855
            2021-07-14 13:52:35,974 - mmcls - INFO - Saving checkpoint at 1 epochs
            2021-07-14 13:52:43,027 - mmcls - INFO - Epoch [2][10/35]	lr: 1.000e-02, time: 0.592, loss: 0.3629
            2021-07-14 13:52:47,053 - mmcls - INFO - Epoch [2][20/35]	lr: 1.000e-02, time: 0.403, loss: 0.3750
            2021-07-14 13:52:52,888 - mmcls - INFO - Saving checkpoint at 2 epochs
            """);
        var run = Assert.Single(import.Runs);

        Assert.DoesNotContain(run.Series, s => s.Key.Contains("checkpoint", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(2, run.Events.Count(e => e.Kind == RunEvent.Checkpoint));
        Assert.Equal(4, sink.Series(run, "train/loss").Values.Length);
    }

    [Fact]
    public void A_metric_line_that_also_mentions_a_save_keeps_its_metrics()
    {
        var (import, sink) = Parse.Text("steps.log", """
            step 100 | loss 2.50 | lr 0.001
            step 200 | loss 2.10 | lr 0.001 | saved checkpoint
            step 300 | loss 1.90 | lr 0.001
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal([2.50, 2.10, 1.90], sink.Series(run, "train/loss").Values);
    }
}
