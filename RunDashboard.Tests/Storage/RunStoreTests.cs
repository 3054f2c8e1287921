using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class RunStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("runs.db");

    private ImportReport ImportFixture(RunStore store, string fixture, UploadOptions? options = null) =>
        new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(fixture, () => Fixture.Open(fixture))], options ?? new UploadOptions()).GetAwaiter().GetResult();

    [Fact]
    public void Creates_the_database_file_and_its_folder()
    {
        var path = _dir.File(Path.Combine("nested", "deeper", "store.db"));
        using (new RunStore(path)) { }

        Assert.True(File.Exists(path));
    }

    [Fact]
    public void A_run_and_its_series_read_back_after_reopening_the_file()
    {
        string id;
        using (var store = new RunStore(DbPath))
        {
            var report = ImportFixture(store, "mlx_lm_lora_run3.log", new UploadOptions("smol", "run 3", ["lora", "3b"]));
            id = Assert.Single(report.Runs).Id;
        }

        using var reopened = new RunStore(DbPath);
        var run = reopened.GetRun(id);
        Assert.NotNull(run);
        Assert.Equal("run 3", run.Name);
        Assert.Equal("smol", run.Project);
        Assert.Equal(["lora", "3b"], run.Tags);
        Assert.Equal("mlx-lm", run.Format);
        Assert.Equal(36, run.FindMetric(MetricKeys.TrainLoss)!.Count);
        Assert.Equal(4, run.Events.Count(e => e.Kind == RunEvent.Checkpoint));

        var loss = reopened.GetSeries(id, MetricKeys.TrainLoss)!;
        Assert.Equal(36, loss.Count);
        Assert.Equal(2.061, loss.Values[0]);
        Assert.Equal(1800, loss.Steps[^1]);
    }

    [Fact]
    public void Series_are_stored_in_chunks_not_a_document_per_point()
    {
        using var store = new RunStore(DbPath);
        var stage = store.BeginImport();
        var context = new ImportContext("big.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        for (var step = 0; step < 10_000; step++) writer.Add(step, 1.0 / (step + 1), step + 1);
        context.Flush();
        stage.Commit([new Run { Id = draft.Id, Name = "big", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = 10_000, LastStep = 9_999 }] }], []);

        var chunks = store.Database.GetCollection(RunStore.ChunksCollection).Count();
        Assert.Equal(3, chunks); // 4096 + 4096 + 1808
        var series = store.GetSeries(draft.Id, MetricKeys.TrainLoss)!;
        Assert.Equal(10_000, series.Count);
        Assert.Equal(1.0 / 5000, series.Values[4999]);
    }

    [Fact]
    public void Reads_a_step_range_of_a_series()
    {
        using var store = new RunStore(DbPath);
        var id = ImportFixture(store, "mlx_lm_lora_run3.log").Runs[0].Id;

        var part = store.GetSeries(id, MetricKeys.TrainLoss, from: 100, to: 250)!;

        Assert.Equal([100L, 150, 200, 250], part.Steps);
    }

    [Fact]
    public void Keeps_the_raw_upload_with_its_sha256()
    {
        using var store = new RunStore(DbPath);
        var report = ImportFixture(store, "mlx_lm_lora_run3.log");

        var upload = store.Uploads.Get(report.Files[0].UploadId!)!;
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Fixture.Bytes("mlx_lm_lora_run3.log")));
        Assert.Equal(expected, upload.Sha256);
        using var stored = store.Uploads.OpenBytes(upload.Id);
        using var copy = new MemoryStream();
        stored.CopyTo(copy);
        Assert.Equal(Fixture.Bytes("mlx_lm_lora_run3.log"), copy.ToArray());
    }

    [Fact]
    public void The_same_file_twice_returns_the_first_run_instead_of_a_copy()
    {
        using var store = new RunStore(DbPath);
        var first = ImportFixture(store, "mlx_lm_lora_run3.log");
        var second = ImportFixture(store, "mlx_lm_lora_run3.log");

        Assert.True(second.Files[0].Duplicate);
        Assert.Equal(first.Runs[0].Id, Assert.Single(second.Runs).Id);
        Assert.Equal(1, store.CountRuns());
    }

    [Fact]
    public async Task A_rejected_file_leaves_no_run_no_series_and_no_bytes_only_its_name_size_hash_and_why()
    {
        using var store = new RunStore(DbPath);
        var report = await new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("notes.txt", () => new MemoryStream("just some notes\nnothing to plot\n"u8.ToArray()))], new UploadOptions());

        Assert.False(report.Succeeded);
        Assert.Contains("notes.txt", report.Error);
        Assert.Equal(0, store.CountRuns());
        Assert.Equal(0, store.Database.GetCollection(RunStore.ChunksCollection).Count());
        var upload = Assert.Single(store.Uploads.List());
        Assert.Equal(UploadRecord.Rejected, upload.Status);
        Assert.False(store.Uploads.HasBytes(upload.Id));
        Assert.Equal("notes.txt", upload.FileName);
        Assert.Equal("just some notes\nnothing to plot\n"u8.Length, upload.Size);
        Assert.Equal(64, upload.Sha256.Length);
        Assert.False(string.IsNullOrEmpty(upload.Error));
    }

    [Fact]
    public void Chunks_of_an_import_that_never_committed_are_removed_on_open()
    {
        using (var store = new RunStore(DbPath))
        {
            var stage = store.BeginImport();
            var context = new ImportContext("crash.log", stage, chunkSize: 2);
            var writer = context.Run().Metric("loss");
            // Enough points for several flushed batches of chunks.
            for (var i = 0; i < 1000; i++) writer.Add(i, i, i + 1);
            stage.WaitForWrites(); // queued batches are inserted by the writer thread
            Assert.True(store.Database.GetCollection(RunStore.ChunksCollection).Count() >= 256);
            // No commit and no abort: as if the process died here.
        }

        using var reopened = new RunStore(DbPath);
        Assert.Equal(0, reopened.Database.GetCollection(RunStore.ChunksCollection).Count());
    }

    [Fact]
    public void A_log_file_left_from_a_deleted_database_is_set_aside_not_replayed()
    {
        var log = Path.Combine(Path.GetDirectoryName(DbPath)!, Path.GetFileNameWithoutExtension(DbPath) + "-log.db");
        var stale = Enumerable.Range(0, 8192 * 4).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(log, stale);

        using var store = new RunStore(DbPath);

        Assert.Equal(0, store.CountRuns());
        var orphan = Assert.Single(Directory.GetFiles(Path.GetDirectoryName(DbPath)!, "*.orphan-*"));
        Assert.Equal(stale, File.ReadAllBytes(orphan));
    }

    public void Dispose() => _dir.Dispose();
}
