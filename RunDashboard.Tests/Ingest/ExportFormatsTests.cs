using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class MetricsCsvFormatTests
{
    [Fact]
    public void A_wandb_history_export_with_two_runs_becomes_two_runs()
    {
        var (import, sink) = Parse.File("wandb_training_history.csv");

        Assert.Equal("metrics-csv", import.Format);
        Assert.Contains("W&B", import.FormatReason);
        Assert.Equal(["250904-215942_test_match_60M_finetune", "250905-101500_dpo_tune_cache_10M"], import.Runs.Select(r => r.Name));
        var sft = import.Runs[0];
        Assert.Equal("datadec-posttrain", sft.Project);
        Assert.Equal("a1b2c3d4", sft.Hyperparameters["wandb_run_id"]);
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i * 100), sink.Series(sft, MetricKeys.TrainLoss).Steps);
        Assert.Equal(4.446e-06, sink.Series(sft, MetricKeys.LearningRate).Values[^1]);
        Assert.Equal(91300000, sink.Series(sft, MetricKeys.Tokens).Values[^1]);
        Assert.Equal(new DateTime(2025, 9, 4, 15, 33, 20, DateTimeKind.Utc), sft.CreatedAt);
    }

    [Fact]
    public void Empty_cells_are_missing_values_not_zeros()
    {
        var (import, sink) = Parse.File("wandb_training_history.csv");
        var (sft, dpo) = (import.Runs[0], import.Runs[1]);

        Assert.DoesNotContain(sft.Series, s => s.Key == MetricKeys.RewardsMargins);
        Assert.DoesNotContain(dpo.Series, s => s.Key == MetricKeys.Tokens);
        Assert.Equal(0.8679, sink.Series(dpo, MetricKeys.RewardsMargins).Values[^1]);
        Assert.Equal(0.847, sink.Series(dpo, MetricKeys.RewardsAccuracies).Values[^1]);
        Assert.Equal(-115.66, sink.Series(dpo, MetricKeys.LogpsChosen).Values[^1]);
        Assert.Equal(11, sink.Series(dpo, MetricKeys.Epoch).Steps.Length);
    }

    [Fact]
    public void A_wandb_ui_export_keeps_split_names_and_wall_times()
    {
        var (import, sink) = Parse.File("wandb_ui_history.csv");
        var run = Assert.Single(import.Runs);

        Assert.Equal(11, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.Equal([0L, 50, 100], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.DoesNotContain(run.Series, s => s.Key.Contains("runtime"));
    }

    [Fact]
    public void A_wandb_chart_export_splits_runs_by_column_and_drops_min_max()
    {
        var (import, sink) = Parse.File("wandb_chart_export.csv");

        Assert.Equal(["smol-a", "smol-b"], import.Runs.Select(r => r.Name));
        Assert.Equal(6, sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps.Length);
        Assert.Equal([0L, 10, 20, 30], sink.Series(import.Runs[1], MetricKeys.TrainLoss).Steps);
        Assert.Single(import.Runs[0].Series);
    }

    [Fact]
    public void A_lightning_metrics_csv_merges_its_sparse_rows()
    {
        var (import, sink) = Parse.File("metrics.csv");
        var run = Assert.Single(import.Runs);

        Assert.Contains("Lightning", import.FormatReason);
        Assert.Equal(8, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.Equal([199L, 399], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(0.7, sink.Series(run, "eval/acc").Values[0]);
        Assert.Equal(8, sink.Series(run, MetricKeys.LearningRate).Steps.Length);
    }

    [Fact]
    public void A_short_row_and_a_bad_step_are_reported_with_their_lines()
    {
        var (import, sink) = Parse.Text("history.csv", "step,loss\n1,0.9\n2\nthree,0.8\n4,0.7\n");

        Assert.Equal([1L, 4], sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps);
        Assert.Contains(import.Problems, p => p.Line == 3 && p.Message.Contains("1 fields"));
        Assert.Contains(import.Problems, p => p.Line == 4 && p.Message.Contains("'three'"));
    }
}

public class MetricsJsonlFormatTests
{
    [Fact]
    public void Reads_llama_factory_trainer_log()
    {
        var (import, sink) = Parse.File("trainer_log.jsonl");
        var run = Assert.Single(import.Runs);

        Assert.Equal("metrics-jsonl", import.Format);
        Assert.Contains("LLaMA-Factory", import.FormatReason);
        Assert.Equal(10, sink.Series(run, MetricKeys.TrainLoss).Steps.Length);
        Assert.Equal(4.5e-05, sink.Series(run, MetricKeys.LearningRate).Values[0], 12);
        Assert.Equal([50L, 100], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(10, sink.Series(run, "train/elapsed_seconds").Values[0]);
        Assert.Equal("100", run.Hyperparameters["max_steps"]);
    }

    [Fact]
    public void A_wandb_jsonl_export_with_two_runs_becomes_two_runs_with_times()
    {
        var (import, sink) = Parse.File("wandb_history.jsonl");

        Assert.Equal(2, import.Runs.Count);
        Assert.Equal([0L, 10, 20, 30], sink.Series(import.Runs[1], MetricKeys.TrainLoss).Steps);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1757000000), import.Runs[0].CreatedAt);
    }

    [Fact]
    public void A_line_that_is_not_json_is_reported()
    {
        var (import, sink) = Parse.Text("log.jsonl", "{\"step\": 1, \"loss\": 1.0}\nnot json\n{\"step\": 2, \"loss\": 0.9}\n");

        Assert.Equal([1L, 2], sink.Series(import.Runs[0], MetricKeys.TrainLoss).Steps);
        Assert.Contains(import.Problems, p => p.Line == 2 && p.Message.Contains("not a JSON object"));
    }

    [Fact]
    public void A_record_a_second_writer_repeats_out_of_order_is_a_duplicate_not_a_resume()
    {
        // Two processes append every record; the second lags one record behind from step 20 on.
        var log = string.Join('\n',
            "{\"current_steps\": 10, \"loss\": 0.9}", "{\"current_steps\": 10, \"loss\": 0.9}",
            "{\"current_steps\": 20, \"loss\": 0.8}", "{\"current_steps\": 30, \"loss\": 0.7}",
            "{\"current_steps\": 20, \"loss\": 0.8}", "{\"current_steps\": 40, \"loss\": 0.6}",
            "{\"current_steps\": 30, \"loss\": 0.7}", "{\"current_steps\": 50, \"loss\": 0.5}",
            "{\"current_steps\": 40, \"loss\": 0.6}", "{\"current_steps\": 50, \"loss\": 0.5}") + "\n";
        var (import, sink) = Parse.Text("trainer_log.jsonl", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal([10L, 20, 30, 40, 50], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([0.9, 0.8, 0.7, 0.6, 0.5], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.DoesNotContain(run.Events, e => e.Kind == RunEvent.Resumed);
        Assert.Contains(import.Problems, p => p.Line == 5 && p.Message.Contains("repeated copy"));
    }

    [Fact]
    public void A_step_going_back_and_continuing_from_there_is_still_a_resume()
    {
        var log = string.Join('\n',
            "{\"step\": 10, \"loss\": 0.9}", "{\"step\": 20, \"loss\": 0.8}", "{\"step\": 30, \"loss\": 0.7}",
            "{\"step\": 20, \"loss\": 0.85}", "{\"step\": 30, \"loss\": 0.75}", "{\"step\": 40, \"loss\": 0.65}") + "\n";
        var (import, sink) = Parse.Text("log.jsonl", log);
        var run = Assert.Single(import.Runs);

        Assert.Equal([10L, 20, 30, 40], sink.Series(run, MetricKeys.TrainLoss).Steps);
        Assert.Equal([0.9, 0.85, 0.75, 0.65], sink.Series(run, MetricKeys.TrainLoss).Values);
        Assert.Contains(run.Events, e => e.Kind == RunEvent.Resumed && e.Step == 20);
    }

    [Fact]
    public void A_tab_separated_table_with_a_step_column_is_read_whatever_the_file_is_called()
    {
        var table = "steps\tepisodes\tmean\taverage_loss_policy\n10000\t50\t-1576.9\t0.7159\n20000\t100\t-1579.3\t0.2217\n30000\t150\t-1419.4\t0.2764\n";
        var (import, sink) = Parse.Text("scores.txt", table);
        var run = Assert.Single(import.Runs);

        Assert.Equal("metrics-csv", import.Format);
        var mean = run.Series.Single(s => s.Alias == "mean");
        Assert.Equal([10000L, 20000, 30000], sink.Series(run, mean.Key).Steps);
        Assert.Equal([-1576.9, -1579.3, -1419.4], sink.Series(run, mean.Key).Values);
    }
}
