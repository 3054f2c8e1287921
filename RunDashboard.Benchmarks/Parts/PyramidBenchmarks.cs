using BenchmarkDotNet.Attributes;
using LiteDB;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>Temporary LiteDB stores of one long series, written once per process and shared by the benchmarks.</summary>
internal static class SyntheticStores
{
    private static readonly Dictionary<long, (RunStore Store, Run Run)> Stores = [];
    private static readonly string Dir = Path.Combine(Path.GetTempPath(), $"rundashboard-parts-{Environment.ProcessId}");

    static SyntheticStores() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var (store, _) in Stores.Values) store.Dispose();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    };

    public static (RunStore Store, Run Run) Of(long points)
    {
        lock (Stores)
        {
            if (Stores.TryGetValue(points, out var made)) return made;
            Directory.CreateDirectory(Dir);
            var store = new RunStore(Path.Combine(Dir, $"series-{points}.db"));
            SyntheticSeries.Write(store, points);
            var run = store.ListRuns().Single();
            return Stores[points] = (store, run);
        }
    }
}

/// <summary>
/// The pyramid of a 1 M-point series (245 chunks of 4,096 points): built from its chunks and serialised, as an import does
/// at commit; against it, the whole series read and reduced to 1,200 buckets point by point, as before the pyramid.
/// </summary>
public class PyramidBuildBenchmarks
{
    private const long Points = 1_000_000;
    private List<(ObjectId Id, SeriesChunk Chunk)> _chunks = [];
    private RunStore _store = null!;
    private Run _run = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_store, _run) = SyntheticStores.Of(Points);
        _chunks = _store.ReadChunks(_run.Id, MetricKeys.TrainLoss).Select(c => (ObjectId.NewObjectId(), c)).ToList();
        if (_chunks.Sum(c => (long)c.Chunk.Count) != Points) throw new InvalidOperationException("the synthetic series did not read back whole");
    }

    [Benchmark]
    public int BuildPyramid() => SeriesPyramid.Build("bench", _chunks).ToBytes().Length;

    [Benchmark]
    public int WholeSeriesWithoutPyramid() => Downsampler.Reduce(_store.GetSeries(_run.Id, MetricKeys.TrainLoss)!, 1200).Count;
}

/// <summary>
/// Bucketed reads through the pyramid (RunStore.GetBuckets, 1,200 buckets) of a series of 1 M and 10 M points in a
/// LiteDB file: the whole series, and a step range (eight fixed ranges a call, figures are per read).
/// </summary>
public class BucketReadBenchmarks
{
    private const int Ranges = 8;
    private RunStore _store = null!;
    private Run _run = null!;
    private (long From, long To)[] _ranges = [];

    [Params(1_000_000, 10_000_000)]
    public long Points { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_store, _run) = SyntheticStores.Of(Points);
        var rng = new Random(2);
        _ranges = Enumerable.Range(0, Ranges).Select(_ =>
        {
            var from = rng.NextInt64(1, Points);
            return (from, rng.NextInt64(from, Points + 1));
        }).ToArray();
        var whole = _store.GetBuckets(_run, MetricKeys.TrainLoss, 1200)!;
        if (whole.Total != Points) throw new InvalidOperationException($"the bucketed read saw {whole.Total} points, not {Points}");
    }

    [Benchmark]
    public int Whole() => _store.GetBuckets(_run, MetricKeys.TrainLoss, 1200)!.Count;

    [Benchmark(OperationsPerInvoke = Ranges)]
    public int Range()
    {
        var n = 0;
        foreach (var (from, to) in _ranges) n += _store.GetBuckets(_run, MetricKeys.TrainLoss, 1200, from, to)!.Count;
        return n;
    }
}
