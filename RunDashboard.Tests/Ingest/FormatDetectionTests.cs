using RunDashboard.Core.Ingest;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

public class FormatDetectionTests
{
    [Theory]
    [InlineData("mlx_lm_lora_run3.log", "mlx-lm")]
    [InlineData("trl_dpo_stdout.log", "hf-trainer")]
    [InlineData("hf_sft_tty_capture.log", "hf-trainer")]
    [InlineData("trainer_state.json", "hf-trainer-state")]
    [InlineData("adapter_config.json", "settings-json")]
    [InlineData("training_runs_comparison.json", "comparison-json")]
    [InlineData("kto_metrics_table.log", "metrics-table")]
    [InlineData("kto_metrics_table_cp1252.log", "metrics-table")]
    [InlineData("kto_metrics_table_macroman.log", "metrics-table")]
    [InlineData("distill_progress.log", "step-kv")]
    [InlineData("generic_colon_pairs.log", "any-text")]
    [InlineData("nanogpt_train.log", "nanogpt")]
    [InlineData("megatron_pretrain.log", "megatron")]
    [InlineData("wandb_training_history.csv", "metrics-csv")]
    [InlineData("wandb_ui_history.csv", "metrics-csv")]
    [InlineData("wandb_chart_export.csv", "metrics-csv")]
    [InlineData("metrics.csv", "metrics-csv")]
    [InlineData("trainer_log.jsonl", "metrics-jsonl")]
    [InlineData("wandb_history.jsonl", "metrics-jsonl")]
    public void Recognises_each_fixture_without_being_told(string fixture, string format)
    {
        using var stream = Fixture.Open(fixture);
        var sample = FileSample.Read("upload.bin", stream);

        var (detected, match) = Ingestor.CreateDefault().Detect(sample);

        Assert.Equal(format, detected?.Name);
        Assert.False(string.IsNullOrWhiteSpace(match.Reason));
    }

    [Theory]
    [InlineData("trainer_state.json", "trainer_state.json", "hf-trainer-state")]
    [InlineData("adapter_config.json", "adapter_config.json", "settings-json")]
    [InlineData("metrics.csv", "metrics.csv", "metrics-csv")]
    public void The_file_name_helps_where_content_alone_is_ambiguous(string fixture, string name, string format)
    {
        using var stream = Fixture.Open(fixture);

        var (detected, match) = Ingestor.CreateDefault().Detect(FileSample.Read(name, stream));

        Assert.Equal(format, detected?.Name);
        Assert.True(match.Confidence >= 0.9);
    }

    [Fact]
    public void Every_fixture_parses_without_losing_lines_silently()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures")))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("mlx_lm_problems") || name == "adapter_config.json") continue;
            var (import, _) = Parse.File(name);
            Assert.True(import.Succeeded, $"{name}: {import.Error}");
            Assert.All(import.Runs, r => Assert.True(r.HasContent, $"{name}: an empty run"));
        }
    }
}
