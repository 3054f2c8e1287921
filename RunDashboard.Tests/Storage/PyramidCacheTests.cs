using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

/// <summary>The parsed pyramids a store keeps between chart reads stay within their byte budget and never change an answer.</summary>
public class PyramidCacheTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public PyramidCacheTests() => _stores = new TestStores(Provider);

    private static readonly string[] Keys = ["custom/a", "custom/b", "custom/c"];

    /// <summary>
    /// Writes (or extends) a run with the series <see cref="Keys"/>, <paramref name="points"/> points each (the second
    /// series twice as many), and commits it as an import does.
    /// </summary>
    private static Run Write(RunStore store, string? runId, int points, int seed, int version = 1)
    {
        var existing = runId is null ? null : store.GetRun(runId);
        var random = new Random(seed);
        var stage = store.BeginImport();
        var context = new ImportContext("cache.log", stage);
        var draft = context.Run();
        if (runId is not null) draft.Id = runId;
        var metrics = new List<MetricInfo>();
        for (var k = 0; k < Keys.Length; k++)
        {
            var writer = draft.Metric(Keys[k], Keys[k]);
            var before = existing?.FindMetric(Keys[k]);
            long step = before?.LastStep ?? 0;
            if (before is not null) writer.ContinueAfter(store.NextSequence(draft.Id, Keys[k]), before.LastStep);
            var n = k == 1 ? points * 2 : points;
            var value = 3.0;
            for (var i = 0; i < n; i++)
            {
                step += random.Next(5) == 0 ? random.Next(2, 40) : 1;
                value += (random.NextDouble() - 0.5) * 0.05;
                writer.Add(step, random.Next(500) == 0 ? double.NaN : Math.Round(value, 4), i + 1);
            }
            metrics.Add(new MetricInfo { Key = Keys[k], Alias = Keys[k], Count = (before?.Count ?? 0) + n, LastStep = step });
        }
        context.Flush();
        stage.Commit([new Run { Id = draft.Id, Name = "cache", UpdatedAt = new DateTime(2026, 1, 1), DataVersion = version, Metrics = metrics }], []);
        return store.GetRun(draft.Id)!;
    }

    private static void AssertSame(DownsampledSeries expected, DownsampledSeries actual)
    {
        Assert.Equal(expected.Total, actual.Total);
        Assert.Equal(expected.Reduced, actual.Reduced);
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.NonFiniteSteps, actual.NonFiniteSteps);
        foreach (var (e, a) in new[] { (expected.Values, actual.Values), (expected.Min, actual.Min), (expected.Max, actual.Max) })
        {
            Assert.Equal(e.Select(BitConverter.DoubleToInt64Bits), a.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    /// <summary>Every series of these runs, whole at 1,200 buckets and a middle range at 300.</summary>
    private static IEnumerable<(Run Run, string Key, int Points, long? From, long? To)> Reads(IEnumerable<Run> runs) =>
        from run in runs
        from key in Keys
        from read in new (int Points, long? From, long? To)[] { (1200, null, null), (300, run.FindMetric(key)!.LastStep / 4, run.FindMetric(key)!.LastStep / 2) }
        select (run, key, read.Points, read.From, read.To);

    [Fact]
    public void Reads_under_a_tiny_budget_answer_as_under_a_large_one_and_stay_within_it()
    {
        using var store = _stores.Open("tiny.db");
        var runs = new[] { Write(store, null, 40_000, 1), Write(store, null, 25_000, 2) };
        var reads = Reads(runs).ToList();
        var expected = reads.Select(r => store.GetBuckets(r.Run, r.Key, r.Points, r.From, r.To)!).ToList();
        Assert.Equal(runs.Length * Keys.Length, store.PyramidCacheCount);
        var all = store.PyramidCacheBytes;
        Assert.True(all > 0);
        var stamps = _stores.PyramidStamps(store, "tiny.db");

        // Room for about two of the six pyramids: reading them in turn evicts and reloads all the time.
        store.PyramidCacheLimitBytes = all / 3;
        Assert.True(store.PyramidCacheBytes <= all / 3);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < reads.Count; i++)
            {
                var (run, key, points, from, to) = reads[(i * 5 + round) % reads.Count];
                AssertSame(expected[(i * 5 + round) % reads.Count], store.GetBuckets(run, key, points, from, to)!);
                Assert.InRange(store.PyramidCacheBytes, 1, all / 3);
                Assert.InRange(store.PyramidCacheCount, 1, runs.Length * Keys.Length - 1);
            }
        }
        // Evicted pyramids were loaded again from their saved documents, not rebuilt from the chunks.
        Assert.Equal(stamps, _stores.PyramidStamps(store, "tiny.db"));

        // A budget of nothing keeps nothing and still answers the same.
        store.PyramidCacheLimitBytes = 0;
        for (var i = 0; i < reads.Count; i++)
        {
            AssertSame(expected[i], store.GetBuckets(reads[i].Run, reads[i].Key, reads[i].Points, reads[i].From, reads[i].To)!);
            Assert.Equal(0, store.PyramidCacheBytes);
            Assert.Equal(0, store.PyramidCacheCount);
        }
    }

    [Fact]
    public void A_pyramid_larger_than_the_budget_is_used_for_its_read_and_not_kept()
    {
        using var store = _stores.Open("large.db");
        var run = Write(store, null, 30_000, 3);
        var expected = store.GetBuckets(run, Keys[1], 1200)!;
        var one = store.PyramidCacheBytes;
        store.PyramidCacheLimitBytes = 0;
        store.PyramidCacheLimitBytes = one - 1;
        AssertSame(expected, store.GetBuckets(run, Keys[1], 1200)!);
        Assert.Equal(0, store.PyramidCacheCount);
        // The smaller series of the same run fits (it has half the points) and is kept.
        store.GetBuckets(run, Keys[0], 1200);
        Assert.Equal(1, store.PyramidCacheCount);
        Assert.InRange(store.PyramidCacheBytes, 1, one - 1);
    }

    [Fact]
    public void Appending_to_a_kept_series_and_deleting_its_run_drop_its_pyramid_under_a_small_budget()
    {
        using var store = _stores.Open("writes.db");
        var run = Write(store, null, 20_000, 4);
        var other = Write(store, null, 20_000, 5);
        foreach (var key in Keys) store.GetBuckets(run, key, 1200);
        store.GetBuckets(other, Keys[0], 1200);
        store.PyramidCacheLimitBytes = store.PyramidCacheBytes;
        var before = store.GetBuckets(run, Keys[0], 1200)!;
        Assert.Equal(20_000, before.Total);

        // The append commits new chunks: the kept pyramid of the old points must not answer for the new series.
        run = Write(store, run.Id, 10_000, 6, version: 2);
        var after = store.GetBuckets(run, Keys[0], 1200)!;
        Assert.Equal(30_000, after.Total);
        Assert.Equal(run.FindMetric(Keys[0])!.LastStep, after.Steps[^1]);
        var whole = store.GetSeries(run.Id, Keys[0])!;
        Assert.Equal(whole.Values.Where(double.IsFinite).Max(), after.Max.Where(double.IsFinite).Max());
        Assert.True(store.PyramidCacheBytes <= store.PyramidCacheLimitBytes);

        // Deleting the run forgets its pyramids; the other run's stay readable.
        var otherBuckets = store.GetBuckets(other, Keys[0], 1200)!;
        var kept = store.PyramidCacheCount;
        Assert.True(store.DeleteRun(run.Id));
        Assert.Equal(1, store.PyramidCacheCount);
        Assert.True(kept > 1);
        Assert.Null(store.GetRun(run.Id));
        AssertSame(otherBuckets, store.GetBuckets(other, Keys[0], 1200)!);
    }

    [Fact]
    public void The_storage_options_set_the_budget_and_a_negative_one_is_refused_by_name()
    {
        var options = new StorageOptions();
        Assert.Equal(256, options.PyramidCacheMegabytes);
        _stores.Configure(options, "options.db");
        options.PyramidCacheMegabytes = 3;
        using (var store = RunStore.Open(options, _stores.Dir.Path))
        {
            Assert.Equal(3L * 1024 * 1024, store.PyramidCacheLimitBytes);
        }

        options.PyramidCacheMegabytes = -1;
        var error = Assert.Throws<InvalidOperationException>(() => RunStore.Open(options, _stores.Dir.Path));
        Assert.Contains("Storage:PyramidCacheMegabytes", error.Message);
        Assert.Contains("-1", error.Message);
    }

    public void Dispose() => _stores.Dispose();
}
