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

    /// <summary>
    /// What a bucketed read must answer, computed from the raw points and the stored chunk sizes only: blocks are
    /// 256 points counted from each chunk's first point; the range's ends cut the first and last block; a bucket is
    /// a whole number of those pieces, as few as keep the bucket count within the asked points. A range of fewer
    /// pieces than half the asked points that lies in at most 8 chunks is cut into buckets of equal point counts
    /// instead, and a range of at most the asked points is answered whole.
    /// </summary>
    private static DownsampledSeries Reference(RunStore store, string runId, string key, int points, long? from, long? to)
    {
        var all = store.GetSeries(runId, key)!;
        var ranged = store.GetSeries(runId, key, from, to)!;
        var lo = from is { } f ? all.Steps.Count(s => s < f) : 0;
        var n = ranged.Count;
        var hi = lo + n;
        var nonFinite = Enumerable.Range(lo, n).Where(i => !double.IsFinite(all.Values[i])).Select(i => all.Steps[i]).Take(Downsampler.MaxNonFiniteSteps).ToArray();
        if (n <= points) return new DownsampledSeries(key, ranged.Steps, ranged.Values, ranged.Values, ranged.Values, n, nonFinite, false, ranged.Times);

        var cuts = new SortedSet<int> { lo, hi };
        var chunkStart = 0;
        var chunksCovered = 0;
        foreach (var chunk in store.Backend.ReadChunks(runId, key))
        {
            for (var o = 0; o < chunk.Chunk.Count; o += SeriesPyramid.BlockSize)
            {
                if (chunkStart + o > lo && chunkStart + o < hi) cuts.Add(chunkStart + o);
            }
            if (chunkStart < hi && chunkStart + chunk.Chunk.Count > lo) chunksCovered++;
            chunkStart += chunk.Chunk.Count;
        }
        var edges = cuts.ToList();
        var pieces = edges.Count - 1;
        var buckets = new List<(int Start, int End)>();
        if (pieces * 2 < points && chunksCovered <= 8)
        {
            var size = (n + points - 1) / points;
            for (var s = lo; s < hi; s += size) buckets.Add((s, Math.Min(hi, s + size)));
        }
        else
        {
            var k = (pieces + points - 1) / points;
            for (var u = 0; u < pieces; u += k) buckets.Add((edges[u], edges[Math.Min(pieces, u + k)]));
        }
        var steps = new List<long>();
        var last = new List<double>();
        var min = new List<double>();
        var max = new List<double>();
        var times = new List<double>();
        foreach (var (s, e) in buckets)
        {
            var finite = Enumerable.Range(s, e - s).Select(i => all.Values[i]).Where(double.IsFinite).ToList();
            steps.Add(all.Steps[e - 1]);
            if (ranged.Times is not null) times.Add(ranged.Times[e - 1 - lo]);
            last.Add(finite.Count == 0 ? double.NaN : finite[^1]);
            // The first of equal extremes, as a left-to-right scan with strict comparisons keeps it (0.0 before -0.0).
            min.Add(finite.Count == 0 ? double.NaN : finite.Aggregate((a, v) => v < a ? v : a));
            max.Add(finite.Count == 0 ? double.NaN : finite.Aggregate((a, v) => v > a ? v : a));
        }
        return new DownsampledSeries(key, [.. steps], [.. last], [.. min], [.. max], n, nonFinite, true, ranged.Times is null ? null : [.. times]);
    }

    /// <summary>Every finite point of the range lies within the [min, max] of the bucket its step falls in; never more buckets than asked.</summary>
    private static void AssertBucketsHoldEveryPoint(MetricSeries ranged, DownsampledSeries buckets, int points)
    {
        if (!buckets.Reduced) return;
        Assert.InRange(buckets.Count, 1, points);
        var b = 0;
        for (var i = 0; i < ranged.Count; i++)
        {
            while (ranged.Steps[i] > buckets.Steps[b]) b++;
            var v = ranged.Values[i];
            if (!double.IsFinite(v)) continue;
            Assert.True(v >= buckets.Min[b] && v <= buckets.Max[b], $"point {ranged.Steps[i]} = {v} outside bucket {b} [{buckets.Min[b]}, {buckets.Max[b]}]");
        }
        Assert.Equal(ranged.Steps[^1], buckets.Steps[^1]);
    }

    [Fact]
    public void Bucketed_reads_equal_a_block_aligned_reference_on_random_series_and_ranges()
    {
        var random = new Random(42);
        using var store = _stores.Open("p.db");
        long step = 0;
        var walk = 2.0;
        var run = Append(store, null, random, 50_000, times: true, ref step, ref walk, 1);
        for (var round = 0; round < 4; round++)
        {
            for (var q = 0; q < 60; q++)
            {
                var points = random.Next(5) switch
                {
                    0 => random.Next(1, 10), 1 => 1200, 2 => random.Next(1, 100_000), 3 => random.Next(2, 60), _ => random.Next(100, 5000),
                };
                long? from = random.Next(3) == 0 ? null : random.NextInt64(-10, step + 10);
                long? to = random.Next(3) == 0 ? null : random.NextInt64(from ?? 0, step + 20);
                var actual = store.GetBuckets(run, MetricKeys.TrainLoss, points, from, to)!;
                AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, points, from, to), actual);
                AssertBucketsHoldEveryPoint(store.GetSeries(run.Id, MetricKeys.TrainLoss, from, to)!, actual, points);
            }
            // A sync appending to the run (same clock, next data version): its last chunk is not full, and the
            // pyramid follows. Blocks restart at every chunk, so the appended chunks shift the block grid.
            run = Append(store, run.Id, random, random.Next(1, 9000), times: round != 1, ref step, ref walk, round + 2);
        }
        Assert.Contains(store.Backend.ReadChunks(run.Id, MetricKeys.TrainLoss).SkipLast(1), c => c.Chunk.Count < SeriesChunk.DefaultSize);
    }

    [Fact]
    public void A_series_written_by_many_small_imports_reads_right()
    {
        // A growing log synced every few hundred lines: every chunk is short, many blocks are cut by chunk ends.
        var random = new Random(11);
        using var store = _stores.Open("grow.db");
        long step = 0;
        var walk = 1.0;
        var run = Append(store, null, random, 700, times: false, ref step, ref walk, 1);
        for (var i = 0; i < 40; i++) run = Append(store, run.Id, random, random.Next(1, 900), times: false, ref step, ref walk, i + 2);
        foreach (var points in new[] { 1, 7, 50, 120, 1200 })
        {
            var whole = store.GetBuckets(run, MetricKeys.TrainLoss, points)!;
            AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, points, null, null), whole);
            AssertBucketsHoldEveryPoint(store.GetSeries(run.Id, MetricKeys.TrainLoss)!, whole, points);
            var from = step / 3;
            var to = step * 2 / 3;
            AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, points, from, to), store.GetBuckets(run, MetricKeys.TrainLoss, points, from, to)!);
        }
    }

    [Fact]
    public void Spikes_survive_any_bucketing()
    {
        using var store = _stores.Open("spikes.db");
        var stage = store.BeginImport();
        var context = new ImportContext("spikes.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        const int total = 200_000;
        var spikes = new Dictionary<long, double> { [3] = 900, [77_777] = -500, [131_072] = 1e6, [199_999] = 42 };
        for (var s = 1; s <= total; s++) writer.Add(s, spikes.GetValueOrDefault(s, 1.0 + (s % 7) * 1e-3), s);
        context.Flush();
        var run = new Run { Id = draft.Id, Name = "spikes", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = total, LastStep = total }] };
        stage.Commit([run], []);
        run = store.GetRun(run.Id)!;

        // The last range is long (~25 chunks) but has fewer blocks than half the asked buckets: one block a bucket.
        foreach (var (points, from, to) in new (int, long?, long?)[] { (1200, null, null), (3, null, null), (1200, 2, 150_000), (100, 77_000, 132_000), (1, null, null), (5000, 50_000, 150_000) })
        {
            var buckets = store.GetBuckets(run, MetricKeys.TrainLoss, points, from, to)!;
            Assert.True(buckets.Reduced);
            AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, points, from, to), buckets);
            if (points == 1200 && from is null) Assert.InRange(buckets.Count, 600, 1200);
            if (points == 5000) Assert.InRange(buckets.Count, 100_000 / SeriesPyramid.BlockSize, 100_000 / SeriesPyramid.BlockSize + 2);
            foreach (var (spikeStep, value) in spikes.Where(x => x.Key >= (from ?? 0) && x.Key <= (to ?? total)))
            {
                var b = Array.FindIndex(buckets.Steps, s => s >= spikeStep);
                Assert.InRange(value, buckets.Min[b], buckets.Max[b]);
                // With enough buckets each spike has its own, and is that bucket's edge.
                if (points >= 100) Assert.Equal(value, value > 1 ? buckets.Max[b] : buckets.Min[b]);
            }
        }
    }

    [Fact]
    public void Non_finite_steps_are_listed_whether_a_chunk_has_few_or_many()
    {
        using var store = _stores.Open("nonfinite.db");
        var stage = store.BeginImport();
        var context = new ImportContext("nonfinite.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        const int total = 40_000;
        // A few scattered NaN/Inf, and one stretch of 300 NaN in a row (more than a chunk lists in the pyramid).
        bool IsBad(long s) => s % 3_001 == 0 || s is >= 20_000 and < 20_300;
        for (var s = 1; s <= total; s++) writer.Add(s, IsBad(s) ? (s % 2 == 0 ? double.NaN : double.NegativeInfinity) : s * 1e-4, s);
        context.Flush();
        var run = new Run { Id = draft.Id, Name = "nf", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = total, LastStep = total }] };
        stage.Commit([run], []);
        run = store.GetRun(run.Id)!;

        foreach (var (from, to) in new (long?, long?)[] { (null, null), (5_000, 20_150), (20_100, 39_000), (3_002, 6_002) })
        {
            var expected = Enumerable.Range(1, total).Select(s => (long)s).Where(s => IsBad(s) && s >= (from ?? 0) && s <= (to ?? total)).ToArray();
            var buckets = store.GetBuckets(run, MetricKeys.TrainLoss, 1200, from, to)!;
            Assert.Equal(expected, buckets.NonFiniteSteps);
            AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, 1200, from, to), buckets);
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
        AssertSame(Reference(reopened, run.Id, MetricKeys.TrainLoss, 700, null, null), first);
    }

    /// <summary>The layout version 1 stored: one line a chunk (id, count, first and last step, min, max, last, last time, non-finite count, has times).</summary>
    private static byte[] FormatOnePyramid(RunStore store, string runId, string key)
    {
        using var ms = new MemoryStream();
        using var w = new BinaryWriter(ms);
        var chunks = store.Backend.ReadChunks(runId, key).ToList();
        w.Write((byte)1);
        w.Write(true);
        w.Write(chunks.Count);
        foreach (var (id, c) in chunks)
        {
            var finite = c.Values.Take(c.Count).Where(double.IsFinite).ToList();
            w.Write(id.ToByteArray());
            w.Write(c.Count);
            w.Write(c.FirstStep);
            w.Write(c.LastStep);
            // Deliberately wrong figures: a reader that took this layout for its own would answer them.
            w.Write(-1e9);
            w.Write(1e9);
            w.Write(finite.Count == 0 ? double.NaN : finite[^1]);
            w.Write(c.Times is { } t ? t[c.Count - 1] : double.NaN);
            w.Write(c.Count - finite.Count);
            w.Write(c.Times is not null);
        }
        w.Flush();
        return ms.ToArray();
    }

    [Fact]
    public void A_pyramid_stored_in_the_old_layout_is_rebuilt_not_misread()
    {
        var random = new Random(3);
        long step = 0;
        var walk = 1.0;
        Run run;
        using (var store = _stores.Open("old.db"))
        {
            run = Append(store, null, random, 20_000, times: true, ref step, ref walk, 1);
            var (stamp, _) = store.Backend.GetPyramid(run.Id, MetricKeys.TrainLoss)!.Value;
            store.Backend.SavePyramids([new SavedPyramid(run.Id, MetricKeys.TrainLoss, stamp, FormatOnePyramid(store, run.Id, MetricKeys.TrainLoss))]);
        }
        using var reopened = _stores.Open("old.db");
        run = reopened.GetRun(run.Id)!;
        foreach (var points in new[] { 5, 1200 })
        {
            var buckets = reopened.GetBuckets(run, MetricKeys.TrainLoss, points)!;
            AssertSame(Reference(reopened, run.Id, MetricKeys.TrainLoss, points, null, null), buckets);
            Assert.DoesNotContain(1e9, buckets.Max);
        }
        var stored = reopened.Backend.GetPyramid(run.Id, MetricKeys.TrainLoss)!.Value;
        Assert.NotEqual(1, stored.Bytes[0]);

        // A damaged pyramid of the current layout is rebuilt as well.
        reopened.Backend.SavePyramids([new SavedPyramid(run.Id, MetricKeys.TrainLoss, stored.Stamp, stored.Bytes[..(stored.Bytes.Length / 2)])]);
        using var again = _stores.Open("old.db");
        AssertSame(Reference(again, run.Id, MetricKeys.TrainLoss, 1200, null, null), again.GetBuckets(again.GetRun(run.Id)!, MetricKeys.TrainLoss, 1200)!);
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
        AssertSame(Reference(store, run.Id, MetricKeys.TrainLoss, 100, null, null), buckets);
        Assert.Equal(Downsampler.MaxNonFiniteSteps, buckets.NonFiniteSteps.Length);
        Assert.Equal(Enumerable.Range(1, Downsampler.MaxNonFiniteSteps).Select(s => (long)s), buckets.NonFiniteSteps);
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
            AssertSame(Reference(store, run.Id, metric.Key, 5, null, null), store.GetBuckets(run, metric.Key, 5)!);
        }
        // Reading did not rebuild them: the stamps written at commit match the stored run.
        Assert.Equal(stamps, _stores.PyramidStamps(store, "import.db"));
    }

    public void Dispose() => _stores.Dispose();
}
