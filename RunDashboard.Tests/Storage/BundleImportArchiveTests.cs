using System.Text;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>Zips and file sets laid out as TensorBoard (Keras), MLflow and W&amp;B write their run folders.</summary>
public class BundleImportArchiveTests : ImportingStoreTests
{

    public BundleImportArchiveTests() : base("archives.db")
    {
    }

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] KerasEvents(float first, int epochs = 3)
    {
        var file = new TfEventsWriter();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            file.Tensor("epoch_loss", epoch, TfEventsWriter.FloatScalar(first / (epoch + 1)));
            file.Tensor("epoch_accuracy", epoch, TfEventsWriter.FloatScalar(0.5f + epoch / 10f));
        }
        return file.ToArray();
    }

    [Fact]
    public async Task A_keras_run_folder_with_train_and_validation_is_one_run_with_eval_keys()
    {
        var zip = ZipBuilder.Build(
            ("logs/fit-1/train/events.out.tfevents.1700000000.host.1.0.v2", KerasEvents(2.0f)),
            ("logs/fit-1/validation/events.out.tfevents.1700000001.host.1.1.v2", KerasEvents(3.0f)));

        var report = await Upload(("logs.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("fit-1", run.Name);
        Assert.Equal("tensorboard", run.Format);
        Assert.Equal([MetricKeys.EvalLoss, MetricKeys.TrainLoss, "eval/accuracy", "train/accuracy"], run.Metrics.Select(m => m.Key).Order(StringComparer.Ordinal).OrderBy(k => !k.EndsWith("loss")));
        Assert.Equal([3.0, 1.5, 1.0], Store.GetSeries(run.Id, MetricKeys.EvalLoss)!.Values);
        Assert.Equal([0L, 1, 2], Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Steps);
    }

    [Fact]
    public async Task A_zip_of_several_keras_run_folders_is_several_runs()
    {
        var zip = ZipBuilder.Build(
            ("logs/adam/train/events.out.tfevents.1700000000.host.1.0.v2", KerasEvents(2.0f)),
            ("logs/adam/validation/events.out.tfevents.1700000001.host.1.1.v2", KerasEvents(3.0f)),
            ("logs/sgd/train/events.out.tfevents.1700000002.host.1.2.v2", KerasEvents(4.0f)),
            ("logs/sgd/validation/events.out.tfevents.1700000003.host.1.3.v2", KerasEvents(5.0f)));

        var report = await Upload(("logs.zip", zip));

        Assert.Equal(["adam", "sgd"], report.Runs.Select(r => r.Name).Order());
        Assert.All(report.Runs, r => Assert.NotNull(r.FindMetric(MetricKeys.EvalLoss)));
        Assert.Equal(5.0, Store.GetSeries(report.Runs.Single(r => r.Name == "sgd").Id, MetricKeys.EvalLoss)!.Values[0]);
    }

    [Fact]
    public async Task The_real_keras_run_folder_is_one_run()
    {
        const string folder = "real/archives/tensorboard/imdb-model-1690485351/";
        const string train = "train/events.out.tfevents.1690485354.e-bnbobg-5l77j-0.80091.0.v2";
        const string validation = "validation/events.out.tfevents.1690485359.e-bnbobg-5l77j-0.80091.1.v2";
        var zip = ZipBuilder.Build(
            ("imdb-model-1690485351/" + train, Fixture.Bytes(folder + train)),
            ("imdb-model-1690485351/" + validation, Fixture.Bytes(folder + validation)),
            ("imdb-model-1690485351/train/checkpoint", Text("model_checkpoint_path: \"keras_embedding.ckpt-1\"\n")),
            ("imdb-model-1690485351/train/keras_embedding.ckpt-1.index", [0, 1, 2, 3]),
            ("imdb-model-1690485351/train/keras_embedding.ckpt-1.data-00000-of-00001", [0, 1, 2, 3]));

        var report = await Upload(("imdb.zip", zip));

        Assert.Equal(2, report.Files.Count);
        Assert.All(report.Files, f => Assert.Null(f.Error));
        var run = Assert.Single(report.Runs);
        Assert.Equal("imdb-model-1690485351", run.Name);
        Assert.Equal(6, run.Metrics.Count);
        Assert.All(run.Metrics, m => Assert.Equal(20, m.Count));
        Assert.NotNull(run.FindMetric(MetricKeys.EvalLoss));
        Assert.NotNull(run.FindMetric(MetricKeys.TrainLoss));
    }

    [Fact]
    public async Task Hf_trainer_event_files_under_runs_join_the_run_of_trainer_state_json()
    {
        var events = new TfEventsWriter()
            .Scalar("train/loss", 10, 9.5f).Scalar("train/mfu", 10, 0.7f)
            .Scalar("train/train_runtime", 20, 42f).ToArray();
        var zip = ZipBuilder.Build(
            ("out/trainer_state.json", Fixture.Bytes("trainer_state.json")),
            ("out/runs/Nov30_07-00-00_gpu-7/events.out.tfevents.1700000000.gpu-7.1.0", events));

        var report = await Upload(("out.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("hf-trainer-state", run.Format);
        Assert.Equal(1.9, Store.GetSeries(run.Id, MetricKeys.TrainLoss)!.Values[0]); // trainer_state.json's copy wins
        Assert.Equal([0.7], Store.GetSeries(run.Id, "train/mfu")!.Values.Select(v => Math.Round(v, 6))); // only the events have it
    }

    [Fact]
    public async Task An_mlflow_run_folder_becomes_one_run_with_its_params_tags_and_meta()
    {
        const string run1 = "mlruns/1/0a1b2c3d4e5f/";
        var zip = ZipBuilder.Build(
            ("mlruns/1/meta.yaml", Text("artifact_location: file:///tmp/mlruns/1\nexperiment_id: '1'\nlifecycle_stage: active\nname: pretrain\n")),
            (run1 + "meta.yaml", Text("artifact_uri: file:///tmp/mlruns/1/0a1b2c3d4e5f/artifacts\nend_time: 1700000900000\nexperiment_id: '1'\n" +
                                      "lifecycle_stage: active\nrun_id: 0a1b2c3d4e5f\nrun_name: bold-fox-42\nstart_time: 1700000000000\nstatus: 4\nuser_id: ana\n")),
            (run1 + "metrics/train_loss", Text("1700000001000 2.5 0\n1700000002000 2.0 10\n1700000003000 1.5 20\n")),
            (run1 + "metrics/eval/loss", Text("1700000003500 1.8 20\n")),
            (run1 + "params/learning_rate", Text("0.0003")),
            (run1 + "params/optimizer", Text("adamw")),
            (run1 + "tags/mlflow.runName", Text("bold-fox-42")),
            (run1 + "tags/mlflow.user", Text("ana")),
            (run1 + "tags/team", Text("nlp")),
            (run1 + "artifacts/model/model.pkl", [1, 2, 3]));

        var report = await Upload(("mlruns.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("bold-fox-42", run.Name);
        Assert.Equal("mlflow", run.Format);
        Assert.Equal(RunStates.Failed, run.State);
        Assert.Equal(new DateTime(2023, 11, 14, 22, 13, 20, DateTimeKind.Utc), run.CreatedAt);
        Assert.Equal("0.0003", run.FindHyperparameter("learning_rate"));
        Assert.Equal("adamw", run.FindHyperparameter("optimizer"));
        Assert.Equal("ana", run.FindHyperparameter("tags.mlflow.user"));
        Assert.Contains("team=nlp", run.Tags);
        var loss = Store.GetSeries(run.Id, MetricKeys.TrainLoss)!;
        Assert.Equal([0L, 10, 20], loss.Steps);
        Assert.Equal([2.5, 2.0, 1.5], loss.Values);
        Assert.Equal(1_700_000_002.0, loss.Times![1]);
        Assert.Equal([20L], Store.GetSeries(run.Id, MetricKeys.EvalLoss)!.Steps);
        Assert.DoesNotContain(report.Files, f => f.FileName.EndsWith("mlruns/1/meta.yaml"));
    }

    [Fact]
    public async Task The_real_mlflow_store_gives_one_run_per_run_folder()
    {
        const string root = "real/archives/mlflow/";
        var files = Directory.GetFiles(Fixture.PathOf(root), "*", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(Fixture.PathOf(root), f).Replace('\\', '/'), File.ReadAllBytes(f))).ToArray();
        var zip = ZipBuilder.Build(files);

        var report = await Upload(("mlruns.zip", zip));

        Assert.Equal(["RF", "SVM_Kernel"], report.Runs.Select(r => r.Name).Order());
        var svm = report.Runs.Single(r => r.Name == "SVM_Kernel");
        Assert.Equal(3, svm.Metrics.Count);
        Assert.Equal(0.9666666666666667, Store.GetSeries(svm.Id, "train/metric_0")!.Values.Single());
        Assert.Equal("4ef3874fc02b1fbd4acf5315fb491172b904d53c", svm.FindHyperparameter("tags.mlflow.source.git.commit"));
        Assert.Contains("tag3=Production", svm.Tags);
        Assert.Equal("model", svm.FindHyperparameter("tags.mlflow.log-model.history"));
        Assert.Equal(RunStates.Finished, svm.State);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1731483625942).UtcDateTime, svm.CreatedAt);
        Assert.Equal(5, report.Runs.Single(r => r.Name == "RF").Metrics.Count);
        Assert.Equal("", string.Join("\n", report.Files.Where(f => f.Error is not null).Select(f => f.Error)));
    }

    private static (string, byte[])[] WandbFiles(string prefix) =>
    [
        (prefix + "output.log", Fixture.Bytes("hf_no_progress.log")),
        (prefix + "config.yaml", Text("wandb_version: 1\n\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.0\n    python_version: 3.10.12\n" +
                                      "learning_rate:\n  desc: null\n  value: 1.0e-05\nlora:\n  desc: null\n  value:\n    r: 16\n    alpha: 32\n" +
                                      "model_name:\n  value: Qwen/Qwen2.5-0.5B\n")),
        (prefix + "wandb-summary.json", Text("{\"train/loss\": 1.3, \"eval/loss\": NaN, \"_runtime\": 61.5, \"_step\": 3, \"_wandb\": {\"runtime\": 61}, \"media\": {\"_type\": \"image-file\"}}")),
        (prefix + "wandb-metadata.json", Text("{\"os\": \"Linux\", \"python\": \"3.10.12\", \"startedAt\": \"2024-05-01T10:20:30.123456\", \"program\": \"train.py\", \"host\": \"gpu-7\", \"args\": [\"--lr\", \"1e-5\"]}")),
    ];

    private void AssertWandbRun(Run run)
    {
        Assert.Equal(3, run.FindMetric(MetricKeys.TrainLoss)!.Count);
        Assert.Equal("1.0e-05", run.FindHyperparameter("learning_rate"));
        Assert.Equal("16", run.FindHyperparameter("lora.r"));
        Assert.Equal("Qwen/Qwen2.5-0.5B", run.FindHyperparameter("model_name"));
        Assert.DoesNotContain(run.Hyperparameters, h => h.Key.StartsWith("_wandb") || h.Key == "wandb_version");
        Assert.Equal(61.5, run.Summary.Single(s => s.Key == "_runtime").Value);
        Assert.True(double.IsNaN(run.Summary.Single(s => s.Key == "eval/loss").Value));
        Assert.DoesNotContain(run.Summary, s => s.Key is "_wandb" or "media");
        Assert.Equal("train.py", run.FindHyperparameter("wandb.program"));
        Assert.Equal("gpu-7", run.FindHyperparameter("wandb.host"));
        Assert.Equal("--lr 1e-5", run.FindHyperparameter("wandb.args"));
        Assert.Equal(new DateTime(2024, 5, 1, 10, 20, 30, 123, DateTimeKind.Utc).AddTicks(4560), run.CreatedAt);
    }

    [Fact]
    public async Task A_zipped_wandb_run_folder_is_one_run()
    {
        var zip = ZipBuilder.Build([
            .. WandbFiles("wandb/run-20240501_102030-ab12cd34/files/"),
            ("wandb/run-20240501_102030-ab12cd34/files/requirements.txt", Text("torch==2.3.0\n")),
            ("wandb/run-20240501_102030-ab12cd34/logs/debug.log", Text("2024-05-01 10:20:30,000 INFO    MainThread:1 [wandb_setup.py:_flush():76] step 1 loss=3.0\n")),
            ("wandb/run-20240501_102030-ab12cd34/run-ab12cd34.wandb", [0, 1, 2, 3]),
        ]);

        var report = await Upload(("wandb.zip", zip));

        var run = Assert.Single(report.Runs);
        Assert.Equal("run-20240501_102030-ab12cd34", run.Name);
        AssertWandbRun(run);
    }

    [Fact]
    public async Task A_zipped_wandb_files_folder_alone_is_one_run_named_after_the_zip()
    {
        var report = await Upload(("lr-sweep-3.zip", ZipBuilder.Build(WandbFiles("files/"))));

        var run = Assert.Single(report.Runs);
        Assert.Equal("lr-sweep-3", run.Name);
        AssertWandbRun(run);
    }

    [Fact]
    public async Task Yaml_that_is_neither_wandb_config_nor_mlflow_meta_stays_left_out_of_a_zip()
    {
        var zip = ZipBuilder.Build(
            ("out/train.log", Fixture.Bytes("mlx_lm_lora_run3.log")),
            ("out/config.yaml", Text("model: llama\nlr: 0.1\n")),
            ("out/meta.yaml", Text("run_id: x\n")));

        var report = await Upload(("out.zip", zip));

        Assert.Single(report.Runs);
        Assert.Equal(["out.zip/out/train.log"], report.Files.Select(f => f.FileName));
    }

    [Fact]
    public async Task Wandb_run_files_sent_together_are_one_run()
    {
        var report = await Upload(WandbFiles(""));

        AssertWandbRun(Assert.Single(report.Runs));
        Assert.Equal(4, Assert.Single(report.Runs).UploadIds.Count);
    }

    [Fact]
    public async Task A_zip_made_on_windows_with_backslash_entry_names_imports()
    {
        var zip = ZipBuilder.Build(
            ("runs\\run3\\train.log", Fixture.Bytes("mlx_lm_lora_run3.log")),
            ("runs\\run3\\adapter_config.json", Fixture.Bytes("adapter_config.json")),
            ("runs\\run4\\train.log", Fixture.Bytes("mlx_lm_problems.log")));

        var report = await Upload(("runs.zip", zip));

        Assert.Equal(["run3", "run4"], report.Runs.Select(r => r.Name).Order());
        var run3 = report.Runs.Single(r => r.Name == "run3");
        Assert.Equal(36, Store.GetSeries(run3.Id, MetricKeys.TrainLoss)!.Count);
        Assert.Equal("8", run3.FindHyperparameter("lora_parameters.rank"));
    }
}
