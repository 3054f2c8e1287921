using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class BundleImportTests : ImportingStoreTests
{

    public BundleImportTests() : base("bundle.db")
    {
    }

    [Fact]
    public async Task A_zipped_output_folder_becomes_one_run_with_its_settings()
    {
        var zip = ZipBuilder.Build(
            ("SmolLM3-3B_run3/train.log", Fixture.Bytes("mlx_lm_lora_run3.log")),
            ("SmolLM3-3B_run3/adapter_config.json", Fixture.Bytes("adapter_config.json")),
            ("SmolLM3-3B_run3/checkpoint-500/adapter_config.json", "{\"iters\": 500}"u8.ToArray()),
            ("SmolLM3-3B_run3/adapters.safetensors", new byte[] { 0, 1, 2, 3, 0, 0 }));

        var report = await Upload(("run3.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("SmolLM3-3B_run3", run.Name);
        Assert.Equal(36, run.FindMetric(MetricKeys.TrainLoss)!.Count);
        Assert.Equal("1800", run.FindHyperparameter("iters")); // what the log says it ran beats the config file
        Assert.Equal("8", run.FindHyperparameter("lora_parameters.rank"));
        Assert.Equal(36, Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Count);
        var upload = Assert.Single(Store.Uploads.List());
        Assert.Equal("zip", upload.Format);
    }

    [Fact]
    public async Task A_zip_with_one_folder_per_run_becomes_several_runs()
    {
        var zip = ZipBuilder.Build(
            ("runs/run3/train.log", Fixture.Bytes("mlx_lm_lora_run3.log")),
            ("runs/run4/train.log", Fixture.Bytes("mlx_lm_problems.log")),
            ("runs/run4/adapter_config.json", Fixture.Bytes("adapter_config.json")));

        var report = await Upload(("runs.zip", zip));

        Assert.Equal(["run3", "run4"], report.Runs.Select(r => r.Name).Order());
        var run4 = report.Runs.Single(r => r.Name == "run4");
        Assert.Equal("16", run4.FindHyperparameter("grad_accumulation_steps"));
        Assert.Null(report.Runs.Single(r => r.Name == "run3").FindHyperparameter("grad_accumulation_steps"));
    }

    [Fact]
    public async Task Trainer_state_and_the_console_log_beside_it_are_one_run()
    {
        var zip = ZipBuilder.Build(
            ("out/trainer_state.json", Fixture.Bytes("trainer_state.json")),
            ("out/checkpoint-50/trainer_state.json", "{\"log_history\": [{\"loss\": 9.9, \"step\": 10}]}"u8.ToArray()),
            ("out/stdout.log", Fixture.Bytes("trl_dpo_stdout.log")));

        var report = await Upload(("out.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("hf-trainer-state", run.Format);
        var loss = Store.GetSeries(run.Id, MetricKeys.TrainLoss)!;
        Assert.Equal(1.9, loss.Values[0]); // trainer_state.json's copy, not the log's, nor the checkpoint's
        Assert.Equal(18, Store.GetSeries(run.Id, MetricKeys.RewardsMargins)!.Count); // only the log has these
        var stdout = report.Files.Single(f => f.FileName.EndsWith("stdout.log"));
        Assert.Contains(stdout.Problems, p => p.Message.Contains("'train/loss' is also in trainer_state.json"));
        Assert.Equal(run.Metrics.Sum(m => (long)Store.ReadChunks(run.Id, m.Key).Count()), Store.Backend.CountRows().Chunks);
    }

    [Fact]
    public async Task A_log_and_its_settings_sent_together_are_one_run()
    {
        var report = await Upload(("train.log", Fixture.Bytes("mlx_lm_lora_run3.log")), ("adapter_config.json", Fixture.Bytes("adapter_config.json")));

        var run = Assert.Single(report.Runs);
        Assert.Equal("HuggingFaceTB/SmolLM3-3B", run.FindHyperparameter("model"));
        Assert.Equal(2, run.UploadIds.Count);
    }

    [Fact]
    public async Task Two_logs_sent_together_stay_two_runs_and_settings_go_to_the_one_they_name()
    {
        var report = await Upload(
            ("run3.log", Fixture.Bytes("mlx_lm_lora_run3.log")),
            ("run4.log", Fixture.Bytes("mlx_lm_problems.log")),
            ("adapter_config_run4.json", Fixture.Bytes("adapter_config.json")));

        Assert.Equal(2, report.Runs.Count);
        Assert.Equal("16", report.Runs.Single(r => r.Name == "run4").FindHyperparameter("grad_accumulation_steps"));
        Assert.Null(report.Runs.Single(r => r.Name == "run3").FindHyperparameter("grad_accumulation_steps"));
    }

    [Fact]
    public async Task A_zip_without_logs_is_rejected_with_what_it_held()
    {
        var zip = ZipBuilder.Build(("model/adapters.safetensors", new byte[] { 1, 2, 3 }), ("model/tokenizer.json", "{}"u8.ToArray()));

        var report = await Upload(("model.zip", zip));

        Assert.False(report.Succeeded);
        Assert.Contains("model.zip holds no log", report.Error);
        Assert.Contains("adapters.safetensors", report.Error);
    }

    [Fact]
    public async Task A_broken_zip_is_rejected_clearly()
    {
        var bytes = ZipBuilder.Build(("a/train.log", Fixture.Bytes("mlx_lm_lora_run3.log")))[..40];

        var report = await Upload(("broken.zip", bytes));

        Assert.False(report.Succeeded);
        Assert.Contains("broken.zip is not a readable zip archive", report.Error);
    }

    [Fact]
    public async Task Reimport_parses_stored_bytes_again_and_keeps_run_ids()
    {
        var first = await Upload(("train.log", Fixture.Bytes("mlx_lm_lora_run3.log")), ("adapter_config.json", Fixture.Bytes("adapter_config.json")));
        var id = Assert.Single(first.Runs).Id;

        var again = await Imports.ReimportAsync();

        var run = Assert.Single(again.Runs);
        Assert.Equal(id, run.Id);
        Assert.Equal(1, Store.CountRuns());
        Assert.Equal("16", Store.GetRun(id)!.FindHyperparameter("grad_accumulation_steps"));
        Assert.Equal(36, Store.GetSeries(id, MetricKeys.TrainLoss)!.Count);
        Assert.Equal(2, Store.Uploads.List().Count);
    }

    [Fact]
    public async Task A_rejected_upload_sent_again_once_a_parser_knows_it_becomes_a_run()
    {
        // An ingestor that knows no format rejects the file; its bytes are not kept, so it is sent again.
        var blind = new ImportService(Store, new Ingestor([]), TimeProvider.System);
        var rejected = await blind.ImportAsync([new UploadFile("train.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions());
        Assert.False(rejected.Succeeded);
        Assert.Empty((await Imports.ReimportAsync()).Runs);

        var again = await Imports.ImportAsync([new UploadFile("train.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions());

        Assert.Equal(36, Assert.Single(again.Runs).FindMetric(MetricKeys.TrainLoss)!.Count);
    }
}
