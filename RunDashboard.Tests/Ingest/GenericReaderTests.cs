using System.Text;
using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Ingest.Lines;
using RunDashboard.Core.Ingest.Templates;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public sealed class GenericReaderTests
{
    [Theory]
    [InlineData("loss: 2.3", "loss", 2.3, "")]
    [InlineData("loss:2.3", "loss", 2.3, "")]
    [InlineData("loss=2.3", "loss", 2.3, "")]
    [InlineData("| loss 2.3 |", "loss", 2.3, "")]
    [InlineData("'loss': '2.3'", "loss", 2.3, "")]
    [InlineData("lm loss: 2.3E+00", "lm loss", 2.3, "")]
    [InlineData("accuracy_top-1: 22.0", "accuracy_top-1", 22.0, "")]
    [InlineData("Train loss/train/total: 2.3", "Train loss/train/total", 2.3, "")]
    [InlineData("iter time: 120ms", "iter time", 120, "ms")]
    [InlineData("mfu 12.3%", "mfu", 12.3, "%")]
    [InlineData("tokens_per_sec: 1.2M", "tokens_per_sec", 1.2e6, "")]
    [InlineData("tokens 1,234.5", "tokens", 1234.5, "")]
    [InlineData("seen 1,000", "seen", 1000, "")]
    [InlineData("loss NaN", "loss", double.NaN, "")]
    public void Pairs_each_number_with_its_label(string line, string label, double value, string unit)
    {
        var field = Assert.Single(LineFields.Read(line), f => f.HasLabel);
        Assert.Equal(label, field.Label);
        Assert.Equal(value, field.Value, 9);
        Assert.Equal(unit, field.Unit);
    }

    [Fact]
    public void Reads_a_position_with_its_total_and_leaves_dates_and_paths_alone()
    {
        var fields = LineFields.Read("2024-05-01 step 5/100 saved to ckpt-500 loss 2.5");
        Assert.Equal([("step", 5.0), ("loss", 2.5)], fields.Where(f => f.HasLabel).Select(f => (f.Label, f.Value)));
        Assert.Equal(100, fields.Single(f => f.Label == "step").Total);
    }

    [Theory]
    [InlineData("10.0.0.2:  iteration 1/ 20 | lm loss: 2.3", "iteration 1/ 20 | lm loss: 2.3", -1)]
    [InlineData("[rank0]: step 5 loss 2.1", "step 5 loss 2.1", 0)]
    [InlineData("[default1]:step 5 loss 2.1", "step 5 loss 2.1", 1)]
    [InlineData("2024-05-01 10:00:00,123 - INFO - trainer - step 5 loss 2.1", "step 5 loss 2.1", -1)]
    [InlineData("[INFO|trainer.py:2048] 2024-05-01 10:00:00,123 >> {'loss': 2.1}", "{'loss': 2.1}", -1)]
    [InlineData("[2024-05-01 10:00:00,123] [INFO] [logging.py:96:log_dist] [Rank 0] step=10, skipped=0", "step=10, skipped=0", 0)]
    [InlineData("2025-12-21 13:31:09.635\tbox-03:0\tolmo.train:990\tINFO\t[step=10/1000,epoch=0]", "[step=10/1000,epoch=0]", 0)]
    [InlineData("[batch=10/100]: Train loss: 2.3", "[batch=10/100]: Train loss: 2.3", -1)]
    [InlineData("epoch:3 loss 2.1", "epoch:3 loss 2.1", -1)]
    public void Strips_launcher_and_logger_prefixes_only(string line, string rest, int rank)
    {
        var start = LinePrefix.Strip(line, out var found);
        Assert.Equal(rest, line[start..]);
        Assert.Equal(rank, found);
    }

    [Fact]
    public void Template_miner_groups_lines_by_shape_and_masks_numbers()
    {
        var miner = new TemplateMiner();
        var a = miner.Add("step 1 | loss 2.5 | lr 1e-4", 1);
        var b = miner.Add("step 2 | loss 2.4 | lr 9e-5", 2);
        var c = miner.Add("saving checkpoint to out/ckpt-2", 3);
        var d = miner.Add("optim/total_grad_norm=3.9", 4);
        var e = miner.Add("[step=10/1000,epoch=0]", 5);

        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.NotSame(d, e);
        Assert.Equal("step <*> | loss <*> | lr <*>", a!.Text);
        Assert.Equal(2, a.Count);
    }

    [Fact]
    public void Template_memory_is_bounded_whatever_the_number_of_shapes()
    {
        var miner = new TemplateMiner();
        for (var i = 0; i < TemplateMiner.MaxTemplates * 3; i++) miner.Add($"w{Convert.ToBase64String(BitConverter.GetBytes(i * 7919)).Replace("=", "")} x{i % 5}a y z q{i % 3}", i + 1);
        Assert.True(miner.Templates.Count <= TemplateMiner.MaxTemplates);
    }

    [Fact]
    public void Reads_a_trainer_it_was_never_told_about_with_steps_eval_and_summary()
    {
        var log = """
            Namespace(lr=0.0005, max_update=300)
            | epoch 001:    100 / 1000 loss=9.213, ppl=478.3, wps=12,876, num_updates=100, lr=5e-05, gnorm=1.234
            | epoch 001:    200 / 1000 loss=8.113, ppl=238.3, wps=12,876, num_updates=200, lr=0.0001, gnorm=1.1
            | epoch 001 | valid on 'valid' subset | loss 8.1 | ppl 250 | num_updates 200
            | epoch 001:    300 / 1000 loss=7.213, ppl=138.3, wps=12,876, num_updates=300, lr=0.00015, gnorm=1.0
            | epoch 001 | valid on 'valid' subset | loss 7.1 | ppl 130 | num_updates 300
            done training in 123.4 seconds
            """;
        var (import, sink) = Parse.Text("fairseq.log", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal("any-text", import.Format);
        Assert.Equal([100L, 200, 300], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([200L, 300], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(12876, sink.Series(run, MetricKeys.TokensPerSecond).Values[0]);
        Assert.Equal(1.234, sink.Series(run, MetricKeys.GradNorm).Values[0]);
        Assert.Contains(import.Readings, r => r.Keys.Contains(MetricKeys.TrainLoss) && r.Sample.Contains("num_updates=100"));
        Assert.Equal(6, import.Lines.Points);
        Assert.Equal(123.4, run.Summary["done training in"]);
    }

    [Fact]
    public void A_step_line_header_gives_its_step_to_the_value_lines_under_it()
    {
        var log = string.Join('\n', Enumerable.Range(1, 4).Select(i => $"[batch={i * 10}/100]:\n         Train loss/train/total: {3.0 - i * 0.1:0.00}\n         Train time/batch: {i}"));
        var (import, sink) = Parse.Text("composer.log", log);
        var run = Assert.Single(import.Runs);
        Assert.Equal([10L, 20, 30, 40], sink.Series(run, run.Series.Single(s => s.Alias.Contains("loss")).Key).Steps);
    }

    [Fact]
    public void Metric_lines_after_twenty_thousand_lines_of_preamble_are_found()
    {
        var sb = new StringBuilder();
        for (var i = 0; i < 20_000; i++) sb.Append("  (layer): Linear(in_features=4096, out_features=4096, bias=False) #").Append(i).Append('\n');
        for (var i = 1; i <= 50; i++) sb.Append($"iter {i}: loss {5.0 / i:0.000}, time 12.5ms, mfu 30.00%\n");
        var (import, sink) = Parse.Text("late.log", sb.ToString());
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));
        Assert.Equal(50, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
    }

    [Fact]
    public void A_step_restart_is_a_new_run_and_a_step_going_back_less_far_is_a_resume()
    {
        var log = """
            step 1 | loss 3.0 | lr 1e-4
            step 2 | loss 2.9 | lr 1e-4
            step 3 | loss 2.8 | lr 1e-4
            step 4 | loss 2.7 | lr 1e-4
            step 1 | loss 3.1 | lr 2e-4
            step 2 | loss 3.0 | lr 2e-4
            step 3 | loss 2.95 | lr 2e-4
            step 2 | loss 2.85 | lr 2e-4
            step 3 | loss 2.75 | lr 2e-4
            """;
        var (import, sink) = Parse.Text("two.log", log);

        Assert.Equal(2, import.Runs.Count);
        Assert.Equal(" (2)", import.Runs[1].NameSuffix);
        Assert.Equal([1L, 2, 3, 4], sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps);
        var (steps, values) = sink.Series(import.Runs[1], MetricKeys.TrainLoss);
        Assert.Equal([1L, 2, 3], steps);
        Assert.Equal([3.1, 2.85, 2.75], values);
        Assert.Contains(import.Runs[1].Events, e => e.Kind == RunEvent.Resumed && e.Step == 2);
        Assert.Contains(import.Notes, n => n.Contains("new run"));
    }

    [Fact]
    public void Only_the_lowest_rank_is_kept_and_the_report_says_so()
    {
        var log = string.Join('\n', Enumerable.Range(1, 5).SelectMany(i => new[] { $"[rank1]: step {i} | loss {3.0 - i * 0.1}", $"[rank0]: step {i} | loss {3.0 - i * 0.1}" }));
        var (import, sink) = Parse.Text("ranks.log", log);
        var run = Assert.Single(import.Runs);
        Assert.Equal(5, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.Contains(import.Notes, n => n.Contains("kept rank 0"));
    }

    [Fact]
    public void A_utf16_log_from_windows_imports_as_text()
    {
        var text = "Iter 1: Val loss 2.900, Val took 29.4s\r\nIter 10: Train loss 2.061, Learning Rate 1.000e-05, It/sec 0.372, Tokens/sec 156.1, Trained Tokens 2088, Peak mem 7.9 GB\r\n";
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray();
        var (import, sink) = Parse.Bytes("windows.log", bytes);
        Assert.True(import.Succeeded, import.Error);
        Assert.Equal("mlx-lm", import.Format);
        Assert.Equal([10L], sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps);
    }

    [Fact]
    public void Quoted_values_and_glued_dicts_are_all_points()
    {
        var log = "Train:   0%| | 1/294 [01:59<9:45:19, 119.86s/it] {'loss': '2.029', 'grad_norm': '66.48', 'learning_rate': '1.33e-06', 'epoch': '0.0034', 'global_step/max_steps': '1/294'}\n"
            + "Train:   1%| | 2/294 [03:17<7:42:40, 95.07s/it] {'loss': '2.036', 'grad_norm': '49.21', 'learning_rate': '2.67e-06', 'epoch': '0.0068', 'global_step/max_steps': '2/294'}\n";
        var (import, sink) = Parse.Text("swift.log", log);
        var (steps, values) = sink.Series(Assert.Single(import.Runs), MetricKeys.TrainLoss);
        Assert.Equal([1L, 2], steps);
        Assert.Equal([2.029, 2.036], values);
    }

    [Fact]
    public void Nothing_recognised_names_the_most_frequent_line_shapes()
    {
        var (import, _) = Parse.Text("notes.txt", "hello there\nhello there\nthe model is good\n");
        Assert.False(import.Succeeded);
        Assert.Contains("most frequent line shapes", import.Error);
        Assert.Contains("hello there", import.Error);
    }

    [Fact]
    public void A_training_script_printed_before_the_log_is_not_read_as_metrics()
    {
        var log = """
            for step in range(args.num_iterations + 1):
                if step == 10:
                    training_time_ms = 0
                print(f'step:{step}/{args.num_iterations} train_loss:{loss:.4f}')
            step:0/5 val_loss:10.8 train_time:0ms
            step:1/5 train_loss:10.8 train_time:120ms
            step:2/5 train_loss:9.9 train_time:240ms
            step:3/5 train_loss:9.1 train_time:360ms
            """;
        var (import, sink) = Parse.Text("record.txt", log);
        var run = Assert.Single(import.Runs, r => r.HasMetrics);
        Assert.Equal([1L, 2, 3], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([0L], sink.Series(run, MetricKeys.EvalLoss).Steps);
    }

    [Fact]
    public void A_validation_line_printed_after_an_arrow_progress_bar_on_the_same_line_is_read_at_the_end_of_its_epoch()
    {
        // mmcv-style runners draw "[>>>>] n/N, … ETA: 0s" with \r and no final newline: the next log line follows it.
        var log = """
            2021-07-14 13:52:26,135 - cls - INFO - Epoch [1][10/20]	lr: 1.000e-02, time: 0.611, loss: 1.4048
            2021-07-14 13:52:30,150 - cls - INFO - Epoch [1][20/20]	lr: 1.000e-02, time: 0.402, loss: 0.4855
            [>>>>>>>>>>>>>>>>>>>>>>>>>>>>>] 50/50, 163.1 task/s, elapsed: 0s, ETA:     0s2021-07-14 13:52:36,901 - cls - INFO - Epoch(val) [1][2]	accuracy_top-1: 22.0000, accuracy_top-5: 38.0000
            2021-07-14 13:52:43,027 - cls - INFO - Epoch [2][10/20]	lr: 1.000e-02, time: 0.592, loss: 0.3629
            2021-07-14 13:52:47,053 - cls - INFO - Epoch [2][20/20]	lr: 1.000e-02, time: 0.403, loss: 0.3750
            [>>>>>>>>>>>>>>>>>>>>>>>>>>>>>] 50/50, 160.0 task/s, elapsed: 0s, ETA:     0s2021-07-14 13:52:53,901 - cls - INFO - Epoch(val) [2][2]	accuracy_top-1: 30.0000, accuracy_top-5: 45.0000
            """;
        var (import, sink) = Parse.Text("runner.log", log);
        var run = Assert.Single(import.Runs);

        var top1 = run.Series.Single(s => s.Alias == "eval accuracy_top-1");
        Assert.Equal("eval/accuracy_top-1", top1.Key);
        var (steps, values) = sink.Series(run, top1.Key);
        Assert.Equal([20L, 40], steps);
        Assert.Equal([22.0, 30.0], values);
        Assert.Equal([10L, 20, 30, 40], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.DoesNotContain(run.Series, s => s.Alias.Contains("task/s") || s.Alias.Contains("elapsed"));
    }

    [Fact]
    public void A_keras_epoch_header_gives_its_step_to_the_bar_line_under_it()
    {
        // The bar's "1562/1562" counts batches inside the epoch; the step is the epoch the header names.
        var log = """
            Epoch 39/200
            1562/1562 [==============================] - 484s - loss: 0.7744 - acc: 0.7344 - val_loss: 0.6673 - val_acc: 0.7737
            Epoch 40/200
            1562/1562 [==============================] - 481s - loss: 0.7758 - acc: 0.7363 - val_loss: 0.6600 - val_acc: 0.7800
            Epoch 41/200
            1562/1562 [==============================] - 480s 307ms/step - loss: 0.7737 - acc: 0.7349 - val_loss: 0.6830 - val_acc: 0.7727
            """;
        var (import, sink) = Parse.Text("fit.log", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal([39L, 40, 41], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([0.6673, 0.66, 0.683], sink.Series(run, MetricKeys.EvalLoss).Values);
        Assert.Equal(0, import.ProblemCount);
    }
}
