using System.Diagnostics;
using System.Globalization;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks;

/// <summary>
/// The analysis a run page asks for on a run with millions of points a series: the health findings (reading the
/// series, then each rule alone), the forecast panel and chart series reads at several zooms, with the time and the
/// bytes allocated of each. <c>--analysis [--quick] [--points N]</c>.
/// </summary>
public static class AnalysisBenchmark
{
    public static void Run(string dir, long points)
    {
        var db = Path.Combine(dir, $"analysis-{points}.db");
        var fresh = !File.Exists(db);
        using var store = new RunStore(db);
        if (fresh)
        {
            var sw = Stopwatch.StartNew();
            Write(store, points);
            Console.WriteLine(F($"wrote a run of {points:N0} train/loss, learning-rate and it/sec points and {points / 10:N0} eval/loss points in {sw.Elapsed.TotalSeconds:F1} s"));
        }
        var run = store.ListRuns().Single(r => r.Name == "analysis bench");
        run = store.GetRun(run.Id)!;
        Console.WriteLine(F($"RunDashboard analysis benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version} · {run.Metrics.Sum(m => m.Count):N0} points in the run"));
        Console.WriteLine();
        Console.WriteLine("| part | ms | MB allocated |");
        Console.WriteLine("|---|---:|---:|");

        var options = new HealthOptions();
        Measure("health findings, first load (a new HealthService: read, reduce, every rule)", () => new HealthService(store, options, TimeProvider.System).Findings(run));
        var health = new HealthService(store, options, TimeProvider.System);
        RunData data = null!;
        Measure("  read and reduce the series the rules need", () => data = health.Read(run));
        var rules = new (string Name, Func<RunData, IEnumerable<Finding>> Rule)[]
        {
            ("  rule FinalMetrics", d => HealthChecks.FinalMetrics(d, options)),
            ("  rule NonFinite", d => HealthChecks.NonFinite(d)),
            ("  rule LearningRate", d => HealthChecks.LearningRate(d, options)),
            ("  rule LossTrend(train/loss)", d => HealthChecks.LossTrend(d, MetricKeys.TrainLoss, options)),
            ("  rule LossTrend(eval/loss)", d => HealthChecks.LossTrend(d, MetricKeys.EvalLoss, options)),
            ("  rule Components", d => HealthChecks.Components(d, options)),
            ("  rule Preference", d => HealthChecks.Preference(d, options)),
            ("  rule LikelihoodDisplacement", d => LikelihoodDisplacement.Check(d, options)),
            ("  rule DataQuality", d => HealthChecks.DataQuality(d, options)),
        };
        foreach (var (name, rule) in rules) Measure(name, () => rule(data).ToList());
        Measure("health findings again (cached until the run changes)", () => health.Findings(run));

        Measure("  for scale: whole train/loss read point by point (RunStore.GetSeries)", () => store.GetSeries(run.Id, MetricKeys.TrainLoss));
        var trainCount = run.FindMetric(MetricKeys.TrainLoss)!.Count;
        Measure("  for scale: train/loss read whole, then reduced to 20,000 buckets", () => Downsampler.Reduce(store.GetSeries(run.Id, MetricKeys.TrainLoss)!, 20_000));
        Measure("  for scale: train/loss reduced to 20,000 buckets as its chunks stream", () => Downsampler.Reduce(MetricKeys.TrainLoss, store.StreamChunks(run.Id, MetricKeys.TrainLoss), trainCount, 20_000));
        Measure("  for scale: train/learning_rate (unrounded doubles) reduced as its chunks stream", () => Downsampler.Reduce(MetricKeys.LearningRate, store.StreamChunks(run.Id, MetricKeys.LearningRate), run.FindMetric(MetricKeys.LearningRate)!.Count, 20_000));
        Measure("  for scale: whole eval/loss read (what a forecast fit starts from)", () => store.GetSeries(run.Id, MetricKeys.EvalLoss));
        Measure("forecast chart of eval/loss, first render (a new ForecastService)", () => new ForecastService(store).Chart(run.Id, MetricKeys.EvalLoss));
        var forecasts = new ForecastService(store);
        forecasts.Chart(run.Id, MetricKeys.EvalLoss);
        Measure("forecast chart of eval/loss, next render", () => forecasts.Chart(run.Id, MetricKeys.EvalLoss));

        Measure("train/loss at 1,200 buckets, then 200 zooms (a new SeriesService)", () =>
        {
            var series = new SeriesService(store);
            series.Load(run, MetricKeys.TrainLoss);
            for (var i = 0; i < 200; i++) series.Load(run, MetricKeys.TrainLoss, points / 400 * i, points / 400 * i + points / 2);
            return series;
        });
        Console.WriteLine();
        Console.WriteLine("Each part runs twice; the figures are of the faster run (its first run includes the JIT and cold file pages).");
    }

    private static void Measure(string name, Func<object?> part)
    {
        var best = double.MaxValue;
        long bytes = 0;
        for (var i = 0; i < 2; i++)
        {
            var allocated = GC.GetTotalAllocatedBytes(true);
            var sw = Stopwatch.StartNew();
            GC.KeepAlive(part());
            var ms = sw.Elapsed.TotalMilliseconds;
            var mine = GC.GetTotalAllocatedBytes(true) - allocated;
            if (ms < best) (best, bytes) = (ms, mine);
        }
        Console.WriteLine(F($"| {name} | {best:F1} | {bytes / 1048576.0:F1} |"));
    }

    /// <summary>
    /// A live run half-way through its configured steps: a falling noisy loss with rare spikes and a late rise, a
    /// warmup-then-cosine learning rate, eval every 10 steps and throughput every step, written through a real import.
    /// </summary>
    private static void Write(RunStore store, long total)
    {
        var stage = store.BeginImport();
        var context = new ImportContext("analysis.log", stage);
        var draft = context.Run();
        var loss = draft.Metric("loss", MetricKeys.TrainLoss);
        var eval = draft.Metric("val_loss", MetricKeys.EvalLoss);
        var lr = draft.Metric("learning_rate", MetricKeys.LearningRate);
        var its = draft.Metric("it/s", MetricKeys.IterationsPerSecond);
        var rng = new Random(7);
        double Noise() => rng.NextDouble() - 0.5;
        var warmup = total / 50;
        for (long s = 1; s <= total; s++)
        {
            var curve = 0.8 + 2.2 * Math.Pow(1 + s / 500.0, -0.35) + (s > total * 9 / 10 ? (s - total * 9 / 10) * 2.0 / total : 0);
            loss.Add(s, Math.Round(curve + 0.08 * Noise() + (s % 99_991 == 0 ? 3 * curve : 0), 4), 0);
            if (s % 10 == 0) eval.Add(s, Math.Round(curve * 1.05 + 0.01 * Noise(), 4), 0);
            var rate = s < warmup ? 3e-4 * s / warmup : 3e-4 * (1 + Math.Cos(Math.PI * (s - warmup) / (2.0 * total - warmup))) / 2;
            lr.Add(s, rate, 0);
            its.Add(s, Math.Round(2.5 + 0.2 * Noise(), 3), 0);
        }
        context.Flush();
        var writers = new[] { loss, eval, lr, its };
        stage.Commit([new Run
        {
            Id = draft.Id, Name = "analysis bench", Project = "bench", CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            Hyperparameters = [new Hyperparameter("iters", (2 * total).ToString(CultureInfo.InvariantCulture))],
            Metrics = [.. writers.Select(w => w.ToInfo())],
        }], []);
    }

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
