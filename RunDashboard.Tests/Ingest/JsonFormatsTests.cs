using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class TrainerStateFormatTests
{
    [Fact]
    public void Reads_log_history_at_its_own_steps()
    {
        var (import, sink) = Parse.File("trainer_state.json");
        var run = Assert.Single(import.Runs);

        Assert.Equal("hf-trainer-state", import.Format);
        var (steps, values) = sink.Series(run, MetricKeys.TrainLoss);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i * 10), steps);
        Assert.Equal(1.9, values[0]);
        Assert.Equal([50L, 100], sink.Series(run, MetricKeys.EvalLoss).Steps);
        Assert.Equal(2e-5 * 0.9, sink.Series(run, MetricKeys.LearningRate).Values[0], 12);
    }

    [Fact]
    public void Global_step_best_metric_and_checkpoint_are_kept()
    {
        var (import, _) = Parse.File("trainer_state.json");
        var run = import.Runs[0];

        Assert.Equal(1.6833, run.Summary["best_metric"]);
        Assert.Equal(100, run.Summary["global_step"]);
        Assert.Equal("out/checkpoint-100", run.Hyperparameters["best_model_checkpoint"]);
        Assert.Equal("100", run.Hyperparameters["max_steps"]);
        Assert.Equal(321.5, run.Summary["train_runtime"]);
    }

    [Fact]
    public void Invalid_json_is_an_error_with_its_line()
    {
        var (import, _) = Parse.Text("trainer_state.json", "{\n  \"log_history\": [\n    {\"loss\": 1.0, \"step\": 1},\n    {\"loss\": oops}\n  ]\n}");

        Assert.False(import.Succeeded);
        Assert.Contains("invalid JSON at line 4", import.Error);
        Assert.Contains("trainer_state.json", import.Error);
    }
}

public class SettingsJsonFormatTests
{
    [Fact]
    public void Adapter_config_becomes_flattened_hyperparameters()
    {
        var (import, _) = Parse.File("adapter_config.json");
        var run = Assert.Single(import.Runs);

        Assert.Equal("settings-json", import.Format);
        Assert.True(run.IsSettingsOnly);
        Assert.Equal("HuggingFaceTB/SmolLM3-3B", run.Hyperparameters["model"]);
        Assert.Equal("1e-05", run.Hyperparameters["learning_rate"]);
        Assert.Equal("16", run.Hyperparameters["grad_accumulation_steps"]);
        Assert.Equal("8", run.Hyperparameters["lora_parameters.rank"]);
        Assert.Equal("0.1", run.Hyperparameters["lora_parameters.dropout"]);
        Assert.Equal("true", run.Hyperparameters["grad_checkpoint"]);
    }

    [Fact]
    public void Unwraps_wandb_style_value_wrappers()
    {
        var (import, _) = Parse.Text("config.json", "{\"learning_rate\": {\"desc\": null, \"value\": 4.68e-05}, \"model\": {\"value\": {\"size\": \"10M\"}}}");

        Assert.Equal("4.68e-05", import.Runs[0].Hyperparameters["learning_rate"]);
        Assert.Equal("10M", import.Runs[0].Hyperparameters["model.size"]);
    }
}

public class ComparisonJsonFormatTests
{
    [Fact]
    public void Each_run_becomes_a_run_with_its_metrics_and_final_metrics()
    {
        var (import, sink) = Parse.File("training_runs_comparison.json");

        Assert.Equal("comparison-json", import.Format);
        Assert.Equal(["SmolLM3-3B_run3", "SmolLM3-3B_run4"], import.Runs.Select(r => r.Name));
        var run3 = import.Runs[0];
        var (steps, values) = sink.Series(run3, MetricKeys.TrainLoss);
        Assert.Equal(36, steps.Length);
        Assert.Equal(50, steps[0]);
        Assert.Equal(2.04, values[0]);
        Assert.Equal(36, sink.Series(run3, MetricKeys.EvalLoss).Steps.Length);
        Assert.Equal(36, sink.Series(run3, MetricKeys.TokensPerSecond).Steps.Length);
        Assert.Equal(1.629, run3.Summary["final_val_loss"]);
        Assert.Equal("512", run3.Hyperparameters["max_seq_length"]);
        Assert.Equal(new DateTime(2025, 11, 11, 18, 1, 8, 776, DateTimeKind.Utc), run3.CreatedAt!.Value.AddTicks(-(run3.CreatedAt.Value.Ticks % TimeSpan.TicksPerMillisecond)));
    }

    [Fact]
    public void A_run_with_empty_metrics_still_brings_its_hyperparameters()
    {
        var (import, _) = Parse.File("training_runs_comparison.json");
        var run4 = import.Runs[1];

        Assert.False(run4.HasMetrics);
        Assert.Equal("16", run4.Hyperparameters["grad_accumulation_steps"]);
        Assert.Equal("0.1", run4.Hyperparameters["lora_dropout"]);
    }
}
