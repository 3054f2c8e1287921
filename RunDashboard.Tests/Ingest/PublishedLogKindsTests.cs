using RunDashboard.Core.Ingest;
using RunDashboard.Core.Ingest.Generic;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// Kinds of line the readers first misread in published logs (real/unseen, fourth batch), each reduced to a few
/// synthetic lines of that kind: a split word joined by a hyphen, an accumulated-iteration step name, counts glued to
/// their names, list values, a step-less line of pairs, JSON lines stepped by their epoch.
/// </summary>
public sealed class PublishedLogKindsTests
{
    private static SeriesWriter ByAlias(RunDraft run, string alias) => run.Series.Single(s => s.Alias == alias);

    [Theory]
    [InlineData("eval-logloss", "eval/logloss")]
    [InlineData("train-logloss", "train/logloss")]
    [InlineData("valid-auc", "eval/auc")]
    [InlineData("test-error", "eval/error")]
    public void A_split_word_joined_by_a_hyphen_names_the_split(string label, string key)
    {
        Assert.Equal(key, GenericTextParser.KeyFor(label, "", evalTemplate: false, epochLevel: false));
    }

    [Fact]
    public void Boosting_rounds_with_hyphenated_set_names_give_train_and_eval_series()
    {
        var (import, sink) = Parse.Text("xgb.log", """
            [15]	train-logloss:0.0050	eval-logloss:0.5174
            [16]	train-logloss:0.0039	eval-logloss:0.5419
            [17]	train-logloss:0.0033	eval-logloss:0.5659
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal([0.5174, 0.5419, 0.5659], sink.Series(run, "eval/logloss").Values);
        Assert.Equal([15L, 16, 17], sink.Series(run, "eval/logloss").Steps);
        Assert.Equal([0.0050, 0.0039, 0.0033], sink.Series(run, "train/logloss").Values);
    }

    [Fact]
    public void An_accumulated_iteration_count_is_the_step_rather_than_the_position_in_the_epoch()
    {
        Assert.InRange(StepNames.Rank("Acc_iter"), 0, 49);
        Assert.InRange(StepNames.Rank("accumulated_iter"), 0, 49);

        var (import, sink) = Parse.Text("timm_style.log", """
            2023-01-05 16:34:37,748   INFO  Train:    1/3 ( 33%) [   0/323 (  0%)]  Loss: 516.7 (517.)  LR: 1.000e-04  Acc_iter 1           Data time: 0.87(0.87)
            2023-01-05 16:34:49,377   INFO  Train:    1/3 ( 33%) [  49/323 ( 15%)]  Loss: 36.77 (81.7)  LR: 1.351e-04  Acc_iter 50          Data time: 0.00(0.02)
            2023-01-05 16:35:00,786   INFO  Train:    1/3 ( 33%) [  99/323 ( 31%)]  Loss: 23.51 (54.8)  LR: 2.377e-04  Acc_iter 100         Data time: 0.00(0.01)
            """);
        var run = Assert.Single(import.Runs);

        var loss = sink.Series(run, ByAlias(run, "Loss").Key);
        Assert.Equal([1L, 50, 100], loss.Steps);
        Assert.Equal([516.7, 36.77, 23.51], loss.Values);
    }

    [Fact]
    public void A_count_glued_to_a_step_name_is_a_field_of_that_name()
    {
        var fields = LineFields.Read("5epoch:train:3376-3750batch: iter_time=0.001, loss=1.733, lr_0=0.100");

        Assert.Equal([("epoch", 5.0), ("batch", 3750.0), ("iter_time", 0.001), ("loss", 1.733), ("lr_0", 0.100)], fields.Select(f => (f.Label, f.Value)));
        Assert.True(fields[1].Integral);
    }

    [Theory]
    [InlineData("21it [00:00, 14987.30it/s]")]
    [InlineData("3750-3376batch: loss=1.7")]
    [InlineData("12abc: loss=1.7")]
    public void Other_digits_glued_to_words_are_no_count(string line)
    {
        var fields = LineFields.Read(line);

        Assert.DoesNotContain(fields, f => f.Label is "it" or "batch" or "abc");
    }

    [Fact]
    public void Lines_of_batch_ranges_are_stepped_by_the_range_end()
    {
        var (import, sink) = Parse.Text("espnet_train.log", """
            [PC] 2020-11-11 16:36:33,446 (trainer:486) INFO: 5epoch:train:3376-3750batch: iter_time=0.001, forward_time=0.005, loss=1.733, lr_0=0.100
            [PC] 2020-11-11 16:36:38,663 (trainer:486) INFO: 5epoch:train:3751-4125batch: iter_time=0.001, forward_time=0.005, loss=1.739, lr_0=0.100
            [PC] 2020-11-11 16:36:43,831 (trainer:486) INFO: 5epoch:train:4126-4500batch: iter_time=0.001, forward_time=0.005, loss=1.735, lr_0=0.100
            """);
        var run = Assert.Single(import.Runs);

        var loss = sink.Series(run, ByAlias(run, "loss").Key);
        Assert.Equal([3750L, 4125, 4500], loss.Steps);
        Assert.Equal([1.733, 1.739, 1.735], loss.Values);
    }

    [Fact]
    public void A_list_value_of_equal_items_is_that_number_and_one_of_different_items_is_left_out()
    {
        var unreadable = new List<string>();
        var pairs = MetricPairs.Read("step=40, skipped=2, lr=[5e-05], mom=[[0.9, 0.999]]", unreadable);

        Assert.Equal([("step", 40.0), ("skipped", 2.0), ("lr", 5e-05)], pairs.Select(p => (p.Name, p.Value)));
        Assert.Empty(unreadable);
        Assert.Equal(0.001, Assert.Single(MetricPairs.Read("lr=[0.001, 0.001]")).Value);
        // A list of something else than numbers is still reported.
        MetricPairs.Read("lr=[auto]", unreadable);
        Assert.Equal(["lr=[auto]"], unreadable);
    }

    [Fact]
    public void A_line_of_pairs_without_a_step_reports_on_the_step_printed_before_it()
    {
        var (import, sink) = Parse.Text("ds_engine.log", """
            [2022-03-11 02:06:58,985] [INFO] [logging.py:69:log_dist] [Rank 0] step=40, skipped=2, lr=[5e-05], mom=[[0.9, 0.999]]
            [2022-03-11 02:06:58,985] [INFO] [timer.py:189:stop] 0/40, SamplesPerSec=83.48, MemAllocated=0.26GB
            <IPython.core.display.HTML object>
            [2022-03-11 02:07:14,130] [INFO] [logging.py:69:log_dist] [Rank 0] step=50, skipped=2, lr=[4e-05], mom=[[0.9, 0.999]]
            [2022-03-11 02:07:14,130] [INFO] [timer.py:189:stop] 0/50, SamplesPerSec=83.73, MemAllocated=0.26GB
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal("step-kv", import.Format);
        var lr = sink.Series(run, ByAlias(run, "lr").Key);
        Assert.Equal([40L, 50], lr.Steps);
        Assert.Equal([5e-05, 4e-05], lr.Values);
        var samples = sink.Series(run, ByAlias(run, "SamplesPerSec").Key);
        Assert.Equal([40L, 50], samples.Steps);
        Assert.Equal([83.48, 83.73], samples.Values);
        Assert.DoesNotContain(run.Series, s => s.Alias.Contains("mom", StringComparison.Ordinal));
        Assert.Equal(0, import.ProblemCount);
    }

    [Fact]
    public void Json_lines_with_only_an_epoch_are_stepped_by_it_and_their_test_keys_are_evaluations()
    {
        var (import, sink) = Parse.Text("log.txt", """
            {"train_lr": 0.00076, "train_loss": 3.75, "epoch": 98, "n_parameters": 11590840}
            {"train_lr": 0.00075, "train_loss": 3.76, "test_loss": 1.26, "test_acc1": 71.27, "epoch": 99, "n_parameters": 11590840}
            {"train_lr": 0.00074, "train_loss": 3.74, "epoch": 100, "n_parameters": 11590840}
            """);
        var run = Assert.Single(import.Runs);

        Assert.Equal("metrics-jsonl", import.Format);
        var loss = sink.Series(run, ByAlias(run, "train_loss").Key);
        Assert.Equal([98L, 99, 100], loss.Steps);
        Assert.Equal([3.75, 3.76, 3.74], loss.Values);
        var acc1 = ByAlias(run, "test_acc1");
        Assert.Equal("eval", MetricKeys.Group(acc1.Key));
        Assert.Equal([99L], sink.Series(run, acc1.Key).Steps);
        Assert.Equal([71.27], sink.Series(run, acc1.Key).Values);
        Assert.Equal(MetricKeys.EvalLoss, ByAlias(run, "test_loss").Key);
        Assert.DoesNotContain(run.Series, s => s.Alias == "epoch");
    }

    [Fact]
    public void Json_lines_with_a_fractional_epoch_and_no_step_are_not_stepped_by_it()
    {
        var (import, _) = Parse.Text("dicts.jsonl", """
            {"loss": 2.1, "epoch": 0.25}
            {"loss": 2.0, "epoch": 0.5}
            {"loss": 1.9, "epoch": 0.75}
            """);

        Assert.NotEqual("metrics-jsonl", import.Format);
    }
}
