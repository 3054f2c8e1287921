using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class StorageBytesTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public StorageBytesTests() => _stores = new TestStores(Provider);

    [Fact]
    public void Bytes_by_kind_add_up_to_the_file_and_count_every_point()
    {
        using var store = _stores.Open("bytes.db");
        var report = new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("mlx_lm_lora_run3.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions()).GetAwaiter().GetResult();
        var run = Assert.Single(report.Runs);

        var bytes = store.MeasureBytes();

        Assert.Equal(run.Metrics.Sum(m => m.Count), bytes.Points);
        Assert.True(bytes.SeriesBytes > 0 && bytes.RawUploadBytes > 0);
        Assert.Equal(bytes.FileBytes, bytes.SeriesBytes + bytes.PyramidBytes + bytes.RawUploadBytes + bytes.OtherBytes);
    }

    public void Dispose() => _stores.Dispose();
}
