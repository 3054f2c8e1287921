using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class RunStoreTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public RunStoreTests() => _stores = new TestStores(Provider);


    private ImportReport ImportFixture(RunStore store, string fixture, UploadOptions? options = null) =>
        new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(fixture, () => Fixture.Open(fixture))], options ?? new UploadOptions()).GetAwaiter().GetResult();

    [Fact]
    public void A_run_and_its_series_read_back_after_reopening_the_file()
    {
        string id;
        using (var store = _stores.Open("runs.db"))
        {
            var report = ImportFixture(store, "mlx_lm_lora_run3.log", new UploadOptions("smol", "run 3", ["lora", "3b"]));
            id = Assert.Single(report.Runs).Id;
        }

        using var reopened = _stores.Open("runs.db");
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
        using var store = _stores.Open("runs.db");
        var stage = store.BeginImport();
        var context = new ImportContext("big.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        for (var step = 0; step < 10_000; step++) writer.Add(step, 1.0 / (step + 1), step + 1);
        context.Flush();
        stage.Commit([new Run { Id = draft.Id, Name = "big", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = 10_000, LastStep = 9_999 }] }], []);

        var chunks = store.Backend.CountRows().Chunks;
        Assert.Equal(3, chunks); // 4096 + 4096 + 1808
        var series = store.GetSeries(draft.Id, MetricKeys.TrainLoss)!;
        Assert.Equal(10_000, series.Count);
        Assert.Equal(1.0 / 5000, series.Values[4999]);
    }

    [Fact]
    public void Reads_a_step_range_of_a_series()
    {
        using var store = _stores.Open("runs.db");
        var id = ImportFixture(store, "mlx_lm_lora_run3.log").Runs[0].Id;

        var part = store.GetSeries(id, MetricKeys.TrainLoss, from: 100, to: 250)!;

        Assert.Equal([100L, 150, 200, 250], part.Steps);
    }

    [Fact]
    public void Keeps_the_raw_upload_with_its_sha256()
    {
        using var store = _stores.Open("runs.db");
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
        using var store = _stores.Open("runs.db");
        var first = ImportFixture(store, "mlx_lm_lora_run3.log");
        var second = ImportFixture(store, "mlx_lm_lora_run3.log");

        Assert.True(second.Files[0].Duplicate);
        Assert.Equal(first.Runs[0].Id, Assert.Single(second.Runs).Id);
        Assert.Equal(1, store.CountRuns());
    }

    [Fact]
    public async Task A_rejected_file_leaves_no_run_no_series_and_no_bytes_only_its_name_size_hash_and_why()
    {
        using var store = _stores.Open("runs.db");
        var report = await new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("notes.txt", () => new MemoryStream("just some notes\nnothing to plot\n"u8.ToArray()))], new UploadOptions());

        Assert.False(report.Succeeded);
        Assert.Contains("notes.txt", report.Error);
        Assert.Equal(0, store.CountRuns());
        Assert.Equal(0, store.Backend.CountRows().Chunks);
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
        using (var store = _stores.Open("runs.db"))
        {
            var stage = store.BeginImport();
            var context = new ImportContext("crash.log", stage, chunkSize: 2);
            var writer = context.Run().Metric("loss");
            // Enough points for several flushed batches of chunks.
            for (var i = 0; i < 1000; i++) writer.Add(i, i, i + 1);
            stage.WaitForWrites(); // queued batches are inserted by the writer thread
            Assert.True(store.Backend.CountRows().Chunks >= 256);
            // No commit and no abort: as if the process died here (on PostgreSQL, closing the store ends the
            // instance's session, which is what a dead process's looks like to the next one).
        }

        using var reopened = _stores.Open("runs.db");
        Assert.Equal(0, reopened.Backend.CountRows().Chunks);
    }

    public void Dispose() => _stores.Dispose();
}
