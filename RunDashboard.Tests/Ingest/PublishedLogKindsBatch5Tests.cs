using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// Kinds of line the readers first misread in published logs (real/unseen, fifth batch), each reduced to a few
/// synthetic lines of that kind: numbers named by the rate unit after them, a logger's source location, a tqdm bar
/// whose postfix carries the metrics, TensorBoard-style scalar lines, a split word numbering the epoch before a
/// bracketed position, an evaluation printed batch by batch.
/// </summary>
public sealed class PublishedLogKindsBatch5Tests
{
    private static SeriesWriter ByAlias(RunDraft run, string alias) => run.Series.Single(s => s.Alias == alias);

    [Fact]
    public void In_a_run_of_numbers_each_followed_by_a_rate_unit_the_unit_names_the_number_before_it()
    {
        var (import, sink) = Parse.Text("sockeye.log", """
            [INFO:sockeye.training] Epoch[0] Batch [50]	Speed: 71.18 samples/sec 1971.60 tokens/sec 1.27 updates/sec	perplexity=29.69
            [INFO:sockeye.training] Epoch[0] Batch [100]	Speed: 57.12 samples/sec 1958.61 tokens/sec 1.28 updates/sec	perplexity=29.29
            [INFO:sockeye.training] Epoch[0] Batch [150]	Speed: 71.32 samples/sec 1971.09 tokens/sec 1.26 updates/sec	perplexity=28.87
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal([71.18, 57.12, 71.32], sink.Series(run, ByAlias(run, "samples/sec").Key).Values);
        Assert.Equal([1971.60, 1958.61, 1971.09], sink.Series(run, ByAlias(run, "tokens/sec").Key).Values);
        Assert.Equal([1.27, 1.28, 1.26], sink.Series(run, ByAlias(run, "updates/sec").Key).Values);
        var perplexity = sink.Series(run, ByAlias(run, "perplexity").Key);
        Assert.Equal([29.69, 29.29, 28.87], perplexity.Values);
        Assert.Equal([50L, 100, 150], perplexity.Steps);
    }

    [Fact]
    public void Counters_abbreviated_with_a_period_are_the_step_and_the_epoch_and_validator_lines_repeat_them_without_being_results()
    {
        // Each validator prints its own line, all three at one update and epoch: those two are where the result
        // belongs, not results, and three lines at the same update are no duplicate.
        var (import, sink) = Parse.Text("marian.log", """
            [2022-03-01 10:00:00] Ep. 2 : Up. 500 : Sen. 12,000 : Cost 4.50 : Time 10.0s : 3000.0 words/s
            [2022-03-01 10:01:00] Ep. 2 : Up. 1000 : Sen. 24,000 : Cost 4.10 : Time 10.1s : 3010.0 words/s
            [2022-03-01 10:01:30] [valid] Ep. 2 : Up. 1000 : cross-entropy : 120.5 : new best
            [2022-03-01 10:01:40] [valid] Ep. 2 : Up. 1000 : perplexity : 150.25 : new best
            [2022-03-01 10:01:50] [valid] Ep. 2 : Up. 1000 : bleu : 3.5 : new best
            [2022-03-01 10:02:00] Ep. 3 : Up. 1500 : Sen. 36,000 : Cost 3.90 : Time 10.2s : 3020.0 words/s
            """);
        var run = Assert.Single(import.Runs);

        Assert.Empty(import.Problems);
        var cost = sink.Series(run, ByAlias(run, "Cost").Key);
        Assert.Equal([500L, 1000, 1500], cost.Steps);
        Assert.Equal([4.50, 4.10, 3.90], cost.Values);
        foreach (var (name, value) in new[] { ("cross-entropy", 120.5), ("perplexity", 150.25), ("bleu", 3.5) })
        {
            var eval = run.Series.Single(s => s.Key.StartsWith("eval/", StringComparison.Ordinal) && s.Alias.EndsWith(name, StringComparison.Ordinal));
            Assert.Equal([1000L], sink.Series(run, eval.Key).Steps);
            Assert.Equal([value], sink.Series(run, eval.Key).Values);
        }
        Assert.DoesNotContain(run.Series, s => s.Key.StartsWith("eval/", StringComparison.Ordinal) && (s.Alias.Contains("Ep.") || s.Alias.Contains("Up.")));
    }

    [Fact]
    public void Two_rates_in_a_row_without_a_label_before_them_are_named_by_their_units()
    {
        var (import, sink) = Parse.Text("throughput.log", """
            step 10 | loss 2.50 | 812.5 tokens/s 3.20 steps/s
            step 20 | loss 2.25 | 820.0 tokens/s 3.25 steps/s
            step 30 | loss 2.00 | 818.4 tokens/s 3.22 steps/s
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal([812.5, 820.0, 818.4], sink.Series(run, ByAlias(run, "tokens/s").Key).Values);
        Assert.Equal([3.20, 3.25, 3.22], sink.Series(run, ByAlias(run, "steps/s").Key).Values);
    }

    [Fact]
    public void A_single_rate_after_a_labelled_number_leaves_that_label()
    {
        var fields = Core.Ingest.Generic.LineFields.Read("ips: 7.86095 samples/s, eta: 0:32:33");

        Assert.Equal(["ips", "eta"], fields.Select(f => f.Label));
    }

    [Fact]
    public void A_loggers_source_location_is_not_a_metric()
    {
        var (import, _) = Parse.Text("rich.log", """
            2025-06-29 12:14:41 INFO     epoch is incremented. current_epoch: 22, epoch: 23                        train_util.py:779
            2025-06-29 12:15:30 INFO     epoch is incremented. current_epoch: 23, epoch: 24                        train_util.py:779
            2025-06-29 12:16:19 INFO     epoch is incremented. current_epoch: 24, epoch: 25                        train_util.py:779
            """);

        Assert.DoesNotContain(import.Runs.SelectMany(r => r.Series), s => s.Alias.Contains(".py"));
    }

    [Fact]
    public void A_tqdm_bar_whose_postfix_has_pairs_is_a_metric_line_at_the_bars_position()
    {
        var (import, sink) = Parse.Text("kohya.log", """
            steps:  29%|████████▋                    | 943/3280 [18:48<46:37,  1.20s/it, avr_loss=0.125]
            epoch 24/80
            steps:  30%|█████████▍                   | 984/3280 [19:38<45:48,  1.20s/it, avr_loss=0.118]
            epoch 25/80
            steps:  31%|█████████▊                   | 1025/3280 [20:27<45:00,  1.20s/it, avr_loss=nan]
            """);
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));

        var loss = sink.Series(run, ByAlias(run, "avr_loss").Key);
        Assert.Equal([943L, 984, 1025], loss.Steps);
        Assert.Equal(0.125, loss.Values[0]);
        Assert.True(double.IsNaN(loss.Values[2]));
    }

    [Fact]
    public void A_tqdm_bar_with_an_epoch_in_its_description_and_two_pairs_gives_both_series_on_the_run_axis()
    {
        var (import, sink) = Parse.Text("lightning_bar.log", """
            Epoch 0:  50%|█████     | 50/100 [00:05<00:05,  9.50it/s, loss=0.912, lr=0.001]
            Epoch 0: 100%|██████████| 100/100 [00:10<00:00,  9.61it/s, loss=0.701, lr=0.001]
            Epoch 1:  50%|█████     | 50/100 [00:05<00:05,  9.55it/s, loss=0.650, lr=0.0005]
            """);
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));

        var loss = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([50L, 100, 150], loss.Steps);
        Assert.Equal([0.912, 0.701, 0.650], loss.Values);
        Assert.Equal([0.001, 0.001, 0.0005], sink.Series(run, MetricKeys.LearningRate).Values);
    }

    [Fact]
    public void A_tqdm_bar_without_a_postfix_still_carries_no_metric()
    {
        var (import, _) = Parse.Text("bar_only.log", """
            step 1 loss 2.0
             45%|████      | 84/187 [05:36<06:52,  4.01s/it]
            step 2 loss 1.9
            """);

        Assert.DoesNotContain(import.Runs.SelectMany(r => r.Series), s => s.Alias.Contains("it"));
        Assert.Equal(2, import.Runs.Single().Series.Single().Count);
    }

    [Fact]
    public void Tensorboard_style_scalar_lines_between_global_step_lines_are_series_at_their_own_step()
    {
        var (import, sink) = Parse.Text("sac.log", """
            global_step=992, episodic_return=-128.5
            global_step=999, episodic_return=-119.4
            losses/q1_loss 65.3581 1000
            losses/alpha [0.01570814] 1000
            global_step=1199, episodic_return=-2.6
            losses/q1_loss 105.27284 2000
            losses/alpha [0.0216857] 2000
            global_step=2199, episodic_return=-119.9
            """);
        var run = Assert.Single(import.Runs);

        var q1 = sink.Series(run, ByAlias(run, "losses/q1_loss").Key);
        Assert.Equal([1000L, 2000], q1.Steps);
        Assert.Equal([65.3581, 105.27284], q1.Values);
        Assert.Equal([0.01570814, 0.0216857], sink.Series(run, ByAlias(run, "losses/alpha").Key).Values);
        Assert.Equal([992L, 999, 1199, 2199], sink.Series(run, ByAlias(run, "episodic_return").Key).Steps);
        Assert.Equal(0, import.ProblemCount);
    }

    [Fact]
    public void A_scalar_line_needs_a_slash_tag_a_value_and_a_whole_step()
    {
        Assert.True(Core.Ingest.Formats.StepKeyValueFormat.TryScalarLine("charts/SPS 812.0 4096", out var tag, out var value, out var step));
        Assert.Equal(("charts/SPS", 812.0, 4096L), (tag, value, step));
        Assert.False(Core.Ingest.Formats.StepKeyValueFormat.TryScalarLine("Saving model to out/ckpt 3", out _, out _, out _));
        Assert.False(Core.Ingest.Formats.StepKeyValueFormat.TryScalarLine("losses/q1_loss 65.3 1.5", out _, out _, out _));
        Assert.False(Core.Ingest.Formats.StepKeyValueFormat.TryScalarLine("loss 65.3 100", out _, out _, out _));
    }

    [Fact]
    public void A_split_word_numbering_the_bracketed_position_after_it_is_the_epoch()
    {
        var (import, sink) = Parse.Text("timm.log", """
            Train: 0 [   0/40 (  0%)]  Loss: 6.86 (6.86)  LR: 1.000e-05
            Train: 0 [  20/40 ( 50%)]  Loss: 6.77 (6.83)  LR: 1.000e-05
            Train: 1 [   0/40 (  0%)]  Loss: 6.69 (6.69)  LR: 1.001e-02
            Train: 1 [  20/40 ( 50%)]  Loss: 3.23 (3.76)  LR: 1.001e-02
            """);
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));

        var loss = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([0L, 20, 40, 60], loss.Steps);
        Assert.Equal([6.86, 6.77, 6.69, 3.23], loss.Values);
    }

    [Fact]
    public void Epochs_counted_from_one_before_a_bracketed_position_follow_each_other_on_one_axis()
    {
        var (import, sink) = Parse.Text("train_epochs.log", """
            Training: 1 [ 10/20]  loss: 0.90
            Training: 1 [ 20/20]  loss: 0.80
            Training: 2 [ 10/20]  loss: 0.70
            Training: 2 [ 20/20]  loss: 0.60
            """);
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));

        Assert.Equal([10L, 20, 30, 40], sink.Series(run, MetricKeys.TrainLoss).Steps);
    }

    [Fact]
    public void An_evaluation_printed_batch_by_batch_reports_the_means_of_its_last_batch()
    {
        var (import, sink) = Parse.Text("timm_eval.log", """
            Train: 0 [   0/40 (  0%)]  Loss: 6.86 (6.86)  LR: 1.000e-05
            Train: 0 [  20/40 ( 50%)]  Loss: 6.77 (6.83)  LR: 1.000e-05
            Test: [   0/30]  Time: 6.593 (6.593)  Loss:   6.723 ( 6.723)  Acc@1:   0.000 (  0.000)  Acc@5:   0.000 (  0.000)
            Test: [  30/30]  Time: 3.856 (0.732)  Loss:   6.615 ( 6.691)  Acc@1:   0.000 (  0.076)  Acc@5:   1.176 (  3.287)
            Train: 1 [   0/40 (  0%)]  Loss: 6.69 (6.69)  LR: 1.001e-02
            Train: 1 [  20/40 ( 50%)]  Loss: 3.23 (3.76)  LR: 1.001e-02
            Test: [   0/30]  Time: 0.663 (0.663)  Loss:   1.926 ( 1.926)  Acc@1:  46.094 ( 46.094)  Acc@5:  85.938 ( 85.938)
            Test: [  30/30]  Time: 0.022 (0.126)  Loss:   1.462 ( 1.867)  Acc@1:  63.529 ( 39.261)  Acc@5:  83.529 ( 85.096)
            """);
        var run = Assert.Single(import.Runs.Where(r => r.HasMetrics));

        var loss = sink.Series(run, MetricKeys.EvalLoss);
        Assert.Equal([6.691, 1.867], loss.Values);
        // At the end of the epoch each followed (40 batches an epoch), not at the last training line printed (20, 60).
        Assert.Equal([40L, 80], loss.Steps);
        Assert.Equal([0.076, 39.261], sink.Series(run, ByAlias(run, "eval Acc@1").Key).Values);
        Assert.Equal(4, sink.Series(run, MetricKeys.TrainLoss).Values.Length);
    }
}
