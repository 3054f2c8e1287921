using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class SeriesPyramidTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public SeriesPyramidTests() => _stores = new TestStores(Provider);

    private static double RandomValue(Random random, double walk) => random.Next(200) switch
    {
        0 => double.NaN,
        1 => double.PositiveInfinity,
        2 => double.NegativeInfinity,
        3 => 0.0,
        4 => -0.0,
        5 => walk * 1000, // a spike
        _ => Math.Round(walk, 4),
    };

    /// <summary>Appends points to a series of a (possibly existing) run and commits it, as an import or a W&amp;B sync does.</summary>
    private static Run Append(RunStore store, string? runId, Random random, int points, bool times, ref long step, ref double walk, int version)
    {
        var existing = runId is null ? null : store.GetRun(runId);
        var stage = store.BeginImport();
        var context = new ImportContext("log", stage);
        var draft = context.Run();
        if (runId is not null) draft.Id = runId;
        var writer = draft.Metric("loss");
        var metric = existing?.FindMetric(MetricKeys.TrainLoss);
        if (metric is not null) writer.ContinueAfter(store.NextSequence(draft.Id, MetricKeys.TrainLoss), metric.LastStep);
        for (var i = 0; i < points; i++)
        {
            step += random.Next(10) == 0 ? random.Next(1, 500) : 1;
            walk += (random.NextDouble() - 0.5) * 0.1;
            writer.Add(step, RandomValue(random, walk), i + 1, times && random.Next(50) != 0 ? 1.7e9 + step : double.NaN);
        }
        context.Flush();
        var run = new Run
        {
            Id = draft.Id,
            Name = "r",
            UpdatedAt = new DateTime(2026, 1, 1), // the same clock on purpose: the stamp must not rely on it alone
            DataVersion = version,
            Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = (metric?.Count ?? 0) + points, LastStep = step }],
        };
        stage.Commit([run], []);
        return store.GetRun(run.Id)!;
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
        Assert.Equal(expected.Times is null, actual.Times is null);
        if (expected.Times is not null) Assert.Equal(expected.Times.Select(BitConverter.DoubleToInt64Bits), actual.Times!.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Bucketed_reads_equal_the_downsampler_on_random_series_and_ranges()
    {
        var random = new Random(42);
        using var store = _stores.Open("p.db");
        long step = 0;
        var walk = 2.0;
        var run = Append(store, null, random, 50_000, times: true, ref step, ref walk, 1);
        for (var round = 0; round < 3; round++)
        {
            for (var q = 0; q < 60; q++)
            {
                var points = random.Next(4) switch { 0 => random.Next(1, 10), 1 => 1200, 2 => random.Next(1, 100_000), _ => random.Next(100, 5000) };
                long? from = random.Next(3) == 0 ? null : random.NextInt64(-10, step + 10);
                long? to = random.Next(3) == 0 ? null : random.NextInt64(from ?? 0, step + 20);
                var expected = Downsampler.Reduce(store.GetSeries(run.Id, MetricKeys.TrainLoss, from, to)!, points);
                AssertSame(expected, store.GetBuckets(run, MetricKeys.TrainLoss, points, from, to)!);
            }
            // A sync appending to the run (same clock, next data version): the pyramid follows.
            run = Append(store, run.Id, random, random.Next(1, 9000), times: round != 1, ref step, ref walk, round + 2);
        }
    }

    [Fact]
    public void A_reopened_store_uses_the_stored_pyramid_and_reads_the_same_buckets()
    {
        var random = new Random(7);
                long step = 0;
        var walk = 1.0;
        Run run;
        DownsampledSeries first;
        using (var store = _stores.Open("reopen.db"))
        {
            run = Append(store, null, random, 30_000, times: false, ref step, ref walk, 1);
            first = store.GetBuckets(run, MetricKeys.TrainLoss, 700)!;
            Assert.Equal(1, store.Backend.CountRows().Pyramids);
        }
        using var reopened = _stores.Open("reopen.db");
        AssertSame(first, reopened.GetBuckets(reopened.GetRun(run.Id)!, MetricKeys.TrainLoss, 700)!);
        AssertSame(Downsampler.Reduce(reopened.GetSeries(run.Id, MetricKeys.TrainLoss)!, 700), first);
    }

    [Fact]
    public void A_series_that_is_all_non_finite_lists_its_steps_and_has_no_band()
    {
        using var store = _stores.Open("nan.db");
        var stage = store.BeginImport();
        var context = new ImportContext("nan.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        for (var s = 1; s <= 10_000; s++) writer.Add(s, double.NaN, s);
        context.Flush();
        var run = new Run { Id = draft.Id, Name = "nan", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = 10_000, LastStep = 10_000 }] };
        stage.Commit([run], []);

        var buckets = store.GetBuckets(store.GetRun(run.Id)!, MetricKeys.TrainLoss, 100)!;
        AssertSame(Downsampler.Reduce(store.GetSeries(run.Id, MetricKeys.TrainLoss)!, 100), buckets);
        Assert.Equal(Downsampler.MaxNonFiniteSteps, buckets.NonFiniteSteps.Length);
        Assert.All(buckets.Min, m => Assert.True(double.IsNaN(m)));
    }

    [Fact]
    public void An_import_saves_the_pyramids_of_its_series_at_commit_and_reads_use_them()
    {
        using var store = _stores.Open("import.db");
        var report = new RunDashboard.Core.Services.ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new RunDashboard.Core.Services.UploadFile("mlx_lm_lora_run3.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new RunDashboard.Core.Services.UploadOptions())
            .GetAwaiter().GetResult();
        var run = store.GetRun(Assert.Single(report.Runs).Id)!;
        var stamps = _stores.PyramidStamps(store, "import.db");
        Assert.Equal(run.Metrics.Count, stamps.Count);

        foreach (var metric in run.Metrics)
        {
            AssertSame(Downsampler.Reduce(store.GetSeries(run.Id, metric.Key)!, 5), store.GetBuckets(run, metric.Key, 5)!);
        }
        // Reading did not rebuild them: the stamps written at commit match the stored run.
        Assert.Equal(stamps, _stores.PyramidStamps(store, "import.db"));
    }

    public void Dispose() => _stores.Dispose();
}
