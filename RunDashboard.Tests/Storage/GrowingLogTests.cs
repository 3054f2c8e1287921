using RunDashboard.Core.Analysis;
using System.Text;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>A training script that uploads its growing log every few minutes keeps one run that grows.</summary>
public class GrowingLogTests : ImportingStoreTests
{

    private readonly byte[] _full = Fixture.Bytes("mlx_lm_lora_run3.log");

    public GrowingLogTests() : base("grow.db")
    {
    }

    private byte[] FirstLines(int lines)
    {
        var text = Encoding.UTF8.GetString(_full).Split('\n');
        return Encoding.UTF8.GetBytes(string.Join('\n', text.Take(lines)) + "\n");
    }

    private Task<ImportReport> Upload(string name, byte[] bytes, string? runName = null) =>
        Imports.ImportAsync([new UploadFile(name, () => new MemoryStream(bytes))], new UploadOptions("lab", runName));

    [Fact]
    public async Task The_grown_log_updates_the_same_run_and_keeps_one_copy_of_the_bytes()
    {
        var first = await Upload("train.log", FirstLines(25));
        var runId = Assert.Single(first.Runs).Id;
        var before = first.Runs[0].FindMetric(MetricKeys.TrainLoss)!.Count;

        var second = await Upload("train.log", _full);

        Assert.Equal(runId, Assert.Single(second.Runs).Id);
        Assert.Equal(first.Files[0].UploadId, second.Files[0].ContinuesUploadId);
        Assert.Equal(1, Store.CountRuns());
        Assert.True(Store.GetRun(runId)!.FindMetric(MetricKeys.TrainLoss)!.Count > before);
        Assert.Equal(36, Store.GetSeries(runId, MetricKeys.TrainLoss)!.Count);
        var upload = Assert.Single(Store.Uploads.List());
        Assert.Equal(_full.Length, upload.Size);
        using var stored = new MemoryStream();
        using (var s = Store.Uploads.OpenBytes(upload.Id)) s.CopyTo(stored);
        Assert.Equal(_full, stored.ToArray());
    }

    [Fact]
    public async Task A_different_log_with_the_same_file_name_is_a_new_run()
    {
        var first = await Upload("train.log", FirstLines(25));
        var other = Fixture.Bytes("mlx_lm_problems.log");

        var second = await Upload("train.log", other);

        Assert.NotEqual(first.Runs[0].Id, second.Runs[0].Id);
        Assert.Null(second.Files[0].ContinuesUploadId);
        Assert.Equal(2, Store.CountRuns());
    }

    [Fact]
    public async Task The_same_log_under_another_run_name_is_not_taken_as_a_continuation()
    {
        var first = await Upload("train.log", FirstLines(25), "attempt-1");

        var second = await Upload("train.log", _full, "attempt-2");

        Assert.NotEqual(first.Runs[0].Id, second.Runs[0].Id);
        Assert.Equal(2, Store.CountRuns());
    }

    [Fact]
    public async Task The_run_page_hears_about_the_update()
    {
        var first = await Upload("train.log", FirstLines(25));
        var catalog = new RunCatalog(Store, TagRules.From(new TagRuleOptions()));
        var heard = new List<string>();
        catalog.Changed += ids => heard.AddRange(ids);

        await Upload("train.log", _full);

        Assert.Contains(first.Runs[0].Id, heard);
        Assert.Equal(1800, catalog.All.Single().Steps);
    }
}
