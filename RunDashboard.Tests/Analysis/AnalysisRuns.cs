using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Analysis;

/// <summary>Runs written into a real store through a staged import, series by series, as the analysis tests need them.</summary>
internal static class AnalysisRuns
{
    /// <summary>
    /// Commits one run with the given series (key → points) and settings; with <paramref name="replaces"/> the run
    /// takes that id and replaces the stored one, as a grown upload does. Chunks are small so a series spans many.
    /// </summary>
    public static Run Write(RunStore store, IReadOnlyDictionary<string, (long Step, double Value)[]> series,
        IReadOnlyList<Hyperparameter>? settings = null, string? replaces = null, int chunkSize = 1000, int dataVersion = 1)
    {
        var stage = store.BeginImport();
        var context = new ImportContext("analysis.log", stage, chunkSize);
        var draft = context.Run();
        if (replaces is not null) draft.Id = replaces;
        var writers = new List<SeriesWriter>();
        foreach (var (key, points) in series)
        {
            var writer = draft.Metric(key, key);
            var line = 0;
            foreach (var (step, value) in points) writer.Add(step, value, ++line);
            writers.Add(writer);
        }
        context.Flush();
        var run = new Run
        {
            Id = draft.Id, Name = "analysis", Project = "tests", CreatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            UpdatedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(dataVersion), DataVersion = dataVersion,
            Hyperparameters = [.. settings ?? []],
            Metrics = [.. writers.Select(w => w.ToInfo())],
        };
        stage.Commit([run], [], replaces is null ? null : [replaces]);
        return store.GetRun(run.Id)!;
    }

    /// <summary>A noisy falling loss that rises over its last fifth, with a spike now and then and a few NaNs: every loss rule has something to say.</summary>
    public static (long Step, double Value)[] Loss(int n, int seed, int every = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(1, n).Select(i =>
        {
            var curve = 0.8 + 2.2 * Math.Pow(1 + i / 50.0, -0.4) + (i > n * 4 / 5 ? (i - n * 4 / 5) * 8.0 / n : 0);
            var value = i % 997 == 0 ? double.NaN : Math.Round(curve + 0.1 * (rng.NextDouble() - 0.5) + (i % 1499 == 0 ? 4 * curve : 0), 3);
            return ((long)i * every, value);
        }).ToArray();
    }
}
