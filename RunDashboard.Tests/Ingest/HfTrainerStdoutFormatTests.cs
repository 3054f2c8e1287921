using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class HfTrainerStdoutFormatTests
{
    [Fact]
    public void Detects_trl_dpo_output()
    {
        var (import, _) = Parse.File("trl_dpo_stdout.log");

        Assert.True(import.Succeeded, import.Error);
        Assert.Equal("hf-trainer", import.Format);
    }

    [Fact]
    public void Takes_steps_from_the_progress_bar_before_each_dict()
    {
        var (import, sink) = Parse.File("trl_dpo_stdout.log");
        var run = Assert.Single(import.Runs);

        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal(Enumerable.Range(1, 18).Select(i => (long)i * 10), steps);
        Assert.Equal(0.6424, values[0]);
        Assert.Equal(0.3795, values[^1]);
    }

    [Fact]
    public void Keeps_dpo_reward_logp_and_logit_keys_under_their_canonical_names()
    {
        var (import, sink) = Parse.File("trl_dpo_stdout.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal(0.0338, sink.Series(run, MetricKeys.RewardsChosen).Values[0]);
        Assert.Equal(-0.1351, sink.Series(run, MetricKeys.RewardsRejected).Values[0]);
        Assert.Equal(0.1689, sink.Series(run, MetricKeys.RewardsMargins).Values[0]);
        Assert.Equal(0.5675, sink.Series(run, MetricKeys.RewardsAccuracies).Values[0]);
        Assert.Equal(-309.32, sink.Series(run, MetricKeys.LogpsChosen).Values[0]);
        Assert.Equal(-2.6816, sink.Series(run, MetricKeys.LogitsRejected).Values[0]);
        Assert.Equal(11.3245, sink.Series(run, MetricKeys.GradNorm).Values[0]);
        Assert.Equal(2.7777777777777776e-07, sink.Series(run, MetricKeys.LearningRate).Values[0]);
        Assert.Equal(0.05, sink.Series(run, MetricKeys.Epoch).Values[0]);
    }

    [Fact]
    public void The_final_train_runtime_dict_becomes_the_summary_not_a_point()
    {
        var (import, sink) = Parse.File("trl_dpo_stdout.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal(752.4121, run.Summary["train_runtime"]);
        Assert.Equal(0.5402881, run.Summary["train_loss"]);
        Assert.Equal(18, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
    }

    [Fact]
    public void Trainer_banner_numbers_become_hyperparameters()
    {
        var (import, _) = Parse.File("trl_dpo_stdout.log");

        Assert.Equal("187", import.Runs[0].Hyperparameters["total_optimization_steps"]);
        Assert.Equal("8", import.Runs[0].Hyperparameters["gradient_accumulation_steps"]);
    }

    [Fact]
    public void Carriage_return_redraws_and_ansi_colours_make_no_bogus_points()
    {
        var (import, sink) = Parse.File("hf_sft_tty_capture.log");
        var run = Assert.Single(import.Runs);

        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal([5L, 10, 15, 20, 25, 30, 35, 40], steps);
        Assert.Equal(2.5, values[0]);
        Assert.Equal(["train/epoch", "train/grad_norm", "train/learning_rate", "train/loss", "eval/loss", "eval/runtime", "eval/samples_per_second", "eval/steps_per_second"],
            run.Series.Select(s => s.Key).Order(StringComparer.Ordinal).OrderBy(k => k.StartsWith("eval")).ToArray());
    }

    [Fact]
    public void Eval_dicts_land_at_the_training_step_even_after_an_eval_progress_bar()
    {
        var (import, sink) = Parse.File("hf_sft_tty_capture.log");
        var run = Assert.Single(import.Runs);

        var (steps, values) = sink.Series(run, MetricKeys.EvalLoss);
        Assert.Equal([20L, 40], steps);
        Assert.Equal([2.2, 1.95], values);
    }

    [Fact]
    public void Nan_and_inf_are_kept_as_values_and_reported_with_their_line()
    {
        var (import, sink) = Parse.File("hf_sft_tty_capture.log");
        var run = Assert.Single(import.Runs);

        var values = sink.Series(run, MetricKeys.TrainLoss).Values;
        Assert.True(double.IsNaN(values[2]));
        Assert.True(double.IsPositiveInfinity(values[5]));
        Assert.Contains(import.Problems, p => p.Line == 7 && p.Message.Contains("non-finite value (NaN)") && p.Message.Contains("step 15"));
        Assert.Contains(import.Problems, p => p.Message.Contains("non-finite value (Infinity)") && p.Message.Contains("step 30"));
        Assert.Equal(2, run.Series.Single(s => s.Key == MetricKeys.TrainLoss).NonFinite);
    }

    [Fact]
    public void Without_progress_bars_steps_are_the_order_of_the_dicts_and_the_report_says_so()
    {
        var (import, sink) = Parse.File("hf_no_progress.log");
        var run = Assert.Single(import.Runs);

        Assert.Equal([1L, 2, 3], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Contains(import.Problems, p => p.Message.Contains("order of the logged dicts"));
    }

    [Fact]
    public void A_dict_cut_off_mid_line_keeps_what_came_before_and_says_so()
    {
        var (import, sink) = Parse.Text("cut.log", "{'loss': 1.5, 'learning_rate': 1e-05, 'epoch': 0.1}\n{'loss': 1.4, 'learning_ra");
        var run = Assert.Single(import.Runs);

        Assert.Equal([1.5, 1.4], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.Contains(import.Problems, p => p.Line == 2 && p.Message.Contains("cut off"));
    }

    /// <summary>
    /// Under nohup tqdm (stderr) and the dicts (stdout) are flushed at different times: four dicts logged every 10
    /// steps come out glued after a bar already at 30 of 40.
    /// </summary>
    private const string GluedAfterARunawayBar =
        " 75%|███████▌  | 30/40 [00:30<00:10,  1.00s/it]{'loss': 0.69, 'learning_rate': 2e-06, 'epoch': 0.25}\n" +
        "{'loss': 0.68, 'learning_rate': 1.5e-06, 'epoch': 0.5}\n" +
        "{'eval_loss': 0.67, 'eval_runtime': 3.1, 'epoch': 0.5}\n" +
        "{'loss': 0.66, 'learning_rate': 1e-06, 'epoch': 0.75}\n" +
        "100%|██████████| 40/40 [00:40<00:00,  1.00s/it]{'loss': 0.65, 'learning_rate': 5e-07, 'epoch': 1.0}\n" +
        "{'train_runtime': 40.0, 'train_loss': 0.67, 'epoch': 1.0}\n";

    [Fact]
    public void Dicts_glued_to_a_bar_that_ran_ahead_take_their_steps_from_the_epoch()
    {
        var (import, sink) = Parse.Text("dpo.log", GluedAfterARunawayBar);
        var run = Assert.Single(import.Runs);

        Assert.Equal([10L, 20, 30, 40], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal(0.65, sink.Series(run, MetricKeys.TrainLoss).Values[^1]);
        Assert.Equal([20L], sink.Series(run, MetricKeys.EvalLoss).Steps);
    }

    [Fact]
    public void Logging_steps_from_the_arguments_dump_is_the_grid_of_glued_dicts()
    {
        // The epochs alone (0.25 apart on 40 steps) would say 10; the printed arguments say 5 and are believed.
        var (import, sink) = Parse.Text("dpo.log", "TrainingArguments(logging_steps=5,\n" + GluedAfterARunawayBar);
        var run = Assert.Single(import.Runs);

        Assert.Equal("5", run.Hyperparameters["logging_steps"]);
        Assert.Equal([10L, 20, 30, 40], sink.Series(run, MetricKeys.TrainLoss).Steps);
    }

    [Fact]
    public void A_dict_hard_wrapped_over_several_lines_is_one_record_with_its_numbers_rejoined()
    {
        // Wrapped at a fixed width, the break falls inside numbers ('0.4' + '173') and between pairs alike.
        var log = """
            {'loss': 0.4173, 'learning_rate': 4.7e-06, 'rewards/chosen': 1.19
            4046974182129, 'rewards/margins': 0.75858, 'kl': 0.1
            0797, 'epoch': 0.08}
            {'loss': 0.4038, 'learning_rate': 4.6e-06, 'rewards/chosen': 1.25, 
            'rewards/margins': 0.9568, 'kl': 0.0654, 'epoch': 0.16}
            """;
        var (import, sink) = Parse.Text("kto.log", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal([1.194046974182129, 1.25], sink.Series(run, MetricKeys.RewardsChosen).Values);
        Assert.Equal([0.75858, 0.9568], sink.Series(run, MetricKeys.RewardsMargins).Values);
        Assert.Equal([0.10797, 0.0654], sink.Series(run, run.Series.Single(s => s.Alias == "kl").Key).Values);
        Assert.Equal(2, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.DoesNotContain(import.Problems, p => p.Message.Contains("cut off"));
    }

    [Fact]
    public void A_dict_that_never_closes_is_reported_as_cut_off_and_the_next_dict_is_still_read()
    {
        var log = "{'loss': 0.5, 'learning_rate': 1e-05, 'ep\n{'loss': 0.4, 'learning_rate': 9e-06, 'epoch': 0.2}\n";
        var (import, sink) = Parse.Text("cut.log", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal([0.5, 0.4], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.Contains(import.Problems, p => p.Line == 1 && p.Message.Contains("cut off"));
    }

    [Fact]
    public void A_bar_that_moved_before_every_dict_keeps_placing_them_after_the_first_ones_and_fills_a_glued_one_by_its_interval()
    {
        var log = new System.Text.StringBuilder();
        for (var step = 10; step <= 1000; step += 10)
        {
            // The 80th dict comes out glued after the 79th one's bar, past the first 64 that showed the bar steady.
            if (step != 800) log.Append($"\r 10%|#         | {step}/1000 [00:40<11:48,  4.02s/it]\n");
            log.Append($"{{'loss': {1.0 / step:R}, 'learning_rate': 1e-05, 'epoch': {step / 1000.0:R}}}\n");
        }
        var (import, sink) = Parse.Text("unbuffered.log", log.ToString());
        var run = Assert.Single(import.Runs);

        Assert.Equal(Enumerable.Range(1, 100).Select(i => i * 10L), sink.Series(run, MetricKeys.TrainLoss).Steps);
    }
}
