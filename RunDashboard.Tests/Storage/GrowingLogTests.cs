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

    /// <summary>An MLX-LM log of <paramref name="iterations"/> lines (about 120 bytes each), losses from <paramref name="seed"/>.</summary>
    private static byte[] MlxLog(int iterations, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder("Starting training..., iters: 100000\n");
        for (var i = 1; i <= iterations; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"Iter {i}: Train loss {2 + random.NextDouble():F3}, Learning Rate 1.000e-05, It/sec 0.512, Tokens/sec 201.321, Trained Tokens {i * 400}, Peak mem 8.123 GB\n");
        }
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public async Task A_large_log_that_grew_is_a_continuation_and_one_that_differs_only_past_its_start_is_not()
    {
        // Past the first 64 KB, which are compared before the whole start is hashed.
        var first = MlxLog(2_000, seed: 1);
        var grown = MlxLog(3_000, seed: 1);
        Assert.Equal(first, grown[..first.Length]);
        var changed = (byte[])grown.Clone();
        var at = first.Length - 500;
        changed[at] = changed[at] == (byte)'1' ? (byte)'2' : (byte)'1';
        Assert.True(at > 64 * 1024);

        var one = await Upload("train.log", first);
        var other = await Upload("train.log", changed);
        var again = await Upload("train.log", grown);

        Assert.Null(other.Files[0].ContinuesUploadId);
        Assert.NotEqual(one.Runs[0].Id, other.Runs[0].Id);
        Assert.Equal(one.Files[0].UploadId, again.Files[0].ContinuesUploadId);
        Assert.Equal(one.Runs[0].Id, again.Runs[0].Id);
        Assert.Equal(3_000, Store.GetSeries(again.Runs[0].Id, MetricKeys.TrainLoss)!.Count);
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
