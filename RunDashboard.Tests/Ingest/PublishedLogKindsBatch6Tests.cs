using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// Kinds of line the generic reader first misread in published logs (real/unseen, sixth batch), each reduced to a
/// few synthetic lines of that kind: tables printed as text, durations in several units, lines with no step seen
/// while the step lines' shape was still undecided, an epoch heading the positions that restart under it, and a
/// line that keeps the best value of its metric.
/// </summary>
public sealed class PublishedLogKindsBatch6Tests
{
    private static SeriesWriter ByAlias(RunDraft run, string alias) => run.Series.Single(s => s.Alias == alias);

    [Fact]
    public void A_table_with_a_header_of_names_is_read_row_by_row_and_the_metrics_after_the_validation_loss_are_validation_metrics()
    {
        var (import, sink) = Parse.Text("fastai.log", "epoch\ttrain_loss\tvalid_loss\taccuracy\ttime\n" +
            "0\t0.912345\t0.801234\t0.712000\t00:03\n" +
            "1\t0.612345\t0.701234\t0.812000\t00:03\n" +
            "2\t0.412345\t0.651234\t0.852000\t00:04\n");
        var run = Assert.Single(import.Runs);

        var train = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([0L, 1, 2], train.Steps);
        Assert.Equal([0.912345, 0.612345, 0.412345], train.Values);
        Assert.Equal([0.801234, 0.701234, 0.651234], sink.Series(run, MetricKeys.EvalLoss).Values);
        Assert.Equal([0.712, 0.812, 0.852], sink.Series(run, "eval/accuracy").Values);
        Assert.DoesNotContain(run.Series, s => s.Key.Contains("time", StringComparison.Ordinal));
    }

    [Fact]
    public void A_table_whose_column_names_are_split_over_two_header_lines_reads_them_downwards()
    {
        var (import, sink) = Parse.Text("vw.log", """
            average    since         example     example  current  current  current
            loss       last          counter      weight    label  predict features
            0.500000   0.500000            2         2.0   1.0000   0.0000        4
            0.250000   0.000000            4         4.0   0.0000   0.0000        4
            0.125000   0.000000            8         8.0   1.0000   1.0000        4
            """);
        var run = Assert.Single(import.Runs);

        var loss = sink.Series(run, ByAlias(run, "average loss").Key);
        Assert.Equal([2L, 4, 8], loss.Steps);
        Assert.Equal([0.5, 0.25, 0.125], loss.Values);
        Assert.Equal([0.5, 0.0, 0.0], sink.Series(run, ByAlias(run, "since last").Key).Values);
    }

    [Fact]
    public void A_duration_in_several_units_is_one_number_of_seconds_whichever_parts_it_prints()
    {
        var (import, sink) = Parse.Text("catboost.log", """
            34:	learn: 0.9508429	test: 0.8235312	best: 0.8356368 (1)	total: 17.5s	remaining: 1h 39m 38s
            35:	learn: 0.9506964	test: 0.8238223	best: 0.8356368 (1)	total: 17.9s	remaining: 1h 39m 21s
            36:	learn: 0.9510669	test: 0.8268542	best: 0.8356368 (1)	total: 19.6s	remaining: 1h 40m
            37:	learn: 0.9509839	test: 0.8264970	best: 0.8356368 (1)	total: 20.1s	remaining: 1h 40m 22s
            """);
        var run = Assert.Single(import.Runs);

        Assert.Empty(import.Problems);
        var learn = sink.Series(run, ByAlias(run, "learn").Key);
        Assert.Equal([34L, 35, 36, 37], learn.Steps);
        Assert.Equal([5978.0, 5961, 6000, 6022], sink.Series(run, ByAlias(run, "remaining").Key).Values);
    }

    [Fact]
    public void A_line_with_no_step_seen_while_the_step_lines_shape_was_undecided_goes_to_the_step_before_it()
    {
        // env_step is named like no step: its lines are read by their order, which takes a few of them.
        var (import, sink) = Parse.Text("tianshou.log", """
            Epoch #1: 501it [00:40, env_step=5000, len=200, loss=-0.562, rew=150.00]
            Epoch #1: test_reward: 150.000000 ± 0.000000, best_reward: 150.000000 ± 0.000000 in #1
            Epoch #2: 501it [00:40, env_step=10000, len=200, loss=-0.023, rew=180.00]
            Epoch #2: test_reward: 180.000000 ± 0.000000, best_reward: 180.000000 ± 0.000000 in #2
            Epoch #3: 501it [00:40, env_step=15000, len=200, loss=0.001, rew=200.00]
            Epoch #3: test_reward: 200.000000 ± 0.000000, best_reward: 200.000000 ± 0.000000 in #3
            Epoch #4: 501it [00:40, env_step=20000, len=200, loss=-0.018, rew=200.00]
            Epoch #4: test_reward: 190.000000 ± 0.000000, best_reward: 200.000000 ± 0.000000 in #3
            """);
        var run = Assert.Single(import.Runs);

        var reward = sink.Series(run, "eval/reward");
        Assert.Equal([5000L, 10000, 15000, 20000], reward.Steps);
        Assert.Equal([150.0, 180, 200, 190], reward.Values);
    }

    [Fact]
    public void Every_line_printed_twice_by_a_logger_with_two_handlers_reads_once_and_says_nothing_and_a_step_mentioned_in_prose_is_no_metric()
    {
        var (import, sink) = Parse.Text("tf_slim.log", """
            INFO:tensorflow:global step 10: loss = 2.5000 (0.50 sec/step)
            INFO:tensorflow:global step 10: loss = 2.5000 (0.50 sec/step)
            INFO:tensorflow:Recording summary at step 10.
            INFO:tensorflow:Recording summary at step 10.
            INFO:tensorflow:global step 20: loss = 2.2500 (0.48 sec/step)
            INFO:tensorflow:global step 20: loss = 2.2500 (0.48 sec/step)
            INFO:tensorflow:global step 30: loss = 2.1000 (0.49 sec/step)
            INFO:tensorflow:global step 30: loss = 2.1000 (0.49 sec/step)
            INFO:tensorflow:global step 30: loss = 2.0500 (0.49 sec/step)
            """);
        var run = Assert.Single(import.Runs);

        var loss = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([10L, 20, 30], loss.Steps);
        Assert.Equal([2.5, 2.25, 2.05], loss.Values);
        Assert.DoesNotContain(run.Series, s => s.Alias.Contains("Recording", StringComparison.Ordinal));
        // Only the step printed again with another value is worth saying.
        var problem = Assert.Single(import.Problems);
        Assert.Equal(9, problem.Line);
        Assert.Contains("duplicate step 30", problem.Message);
    }

    [Fact]
    public void The_process_rank_and_the_loggers_version_are_no_metrics()
    {
        var (import, sink) = Parse.Text("paddle.log", """
            [INFO 2021/06/19 16:01:34 model.py:61] Train: Rank: 0, epoch: 1, step: 10, lr: 0.001, train_loss: 2.50
            [INFO 2021/06/19 16:01:37 model.py:61] Train: Rank: 0, epoch: 1, step: 11, lr: 0.001, train_loss: 2.25
            [INFO 2021/06/19 16:01:40 model.py:61] Train: Rank: 0, epoch: 1, step: 12, lr: 0.001, train_loss: 2.00
            """);
        var run = Assert.Single(import.Runs);
        Assert.Equal([10L, 11, 12], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.DoesNotContain(run.Series, s => s.Alias.Contains("Rank", StringComparison.OrdinalIgnoreCase));

        var (lightning, lightningSink) = Parse.Text("lightning.log", "Epoch 0:  20%|##        | 1/5 [00:01<00:04,  1.00it/s, loss=10.5, v_num=193315]\n" +
            "Epoch 0:  40%|####      | 2/5 [00:02<00:03,  1.00it/s, loss=10.1, v_num=193315]\n" +
            "Epoch 0:  60%|######    | 3/5 [00:03<00:02,  1.00it/s, loss=9.85, v_num=193315]\n");
        var bar = Assert.Single(lightning.Runs);
        Assert.Equal([10.5, 10.1, 9.85], lightningSink.Series(bar, MetricKeys.TrainLoss).Values);
        Assert.DoesNotContain(bar.Series, s => s.Alias.Contains("v_num", StringComparison.Ordinal));
    }

    [Fact]
    public void An_epoch_on_a_line_of_its_own_heads_the_positions_that_restart_under_it_and_a_line_keeping_its_best_is_a_validation()
    {
        var (import, sink) = Parse.Text("monai.log", """
            ----------
            epoch 1/100
            1/3, train_loss: 0.9000 step time: 0.9
            2/3, train_loss: 0.8000 step time: 0.9
            3/3, train_loss: 0.7000 step time: 0.9
            epoch 1 average loss: 0.8000
            current epoch: 1 current mean dice: 0.5000 best mean dice: 0.5000 at epoch: 1
            ----------
            epoch 2/100
            1/3, train_loss: 0.6000 step time: 0.9
            2/3, train_loss: 0.5000 step time: 0.9
            3/3, train_loss: 0.4000 step time: 0.9
            epoch 2 average loss: 0.5000
            current epoch: 2 current mean dice: 0.6000 best mean dice: 0.6000 at epoch: 2
            """);
        var run = Assert.Single(import.Runs);

        var loss = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([1L, 2, 3, 4, 5, 6], loss.Steps);
        Assert.Equal([0.9, 0.8, 0.7, 0.6, 0.5, 0.4], loss.Values);
        Assert.Equal([0.5, 0.6], sink.Series(run, ByAlias(run, "eval current mean dice").Key).Values);
        // The epoch counters on the validation line ("current epoch", "at epoch") are where it belongs, not results.
        Assert.DoesNotContain(run.Series, s => s.Key.StartsWith("eval/", StringComparison.Ordinal) && s.Alias.Contains("epoch", StringComparison.Ordinal));
    }
}
