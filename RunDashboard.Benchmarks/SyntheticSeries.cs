using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks;

/// <summary>A store holding one run with one long <c>train/loss</c> series, written through a real import.</summary>
public static class SyntheticSeries
{
    /// <summary>
    /// Writes <paramref name="total"/> points (steps 1…total, a random walk rounded to 3 decimals as logs print it,
    /// one NaN every million points) into <paramref name="store"/> and commits the run, which saves the pyramid.
    /// </summary>
    public static void Write(RunStore store, long total)
    {
        var stage = store.BeginImport();
        var context = new ImportContext("synthetic.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        var rng = new Random(1);
        var walk = 3.0;
        for (long s = 1; s <= total; s++)
        {
            walk = Math.Max(0.1, walk + (rng.NextDouble() - 0.5002) * 0.01);
            writer.Add(s, s % 1_000_003 == 0 ? double.NaN : Math.Round(walk, 3), 0);
        }
        context.Flush();
        stage.Commit([new Run { Id = draft.Id, Name = "bench", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = total, LastStep = total }] }], []);
    }
}
