using System.Globalization;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Analysis.Corpus;

namespace RunDashboard.Tests.Analysis;

/// <summary>The loss-trend rule with its sliding median finds exactly what the sort-per-window rule found.</summary>
public class LossTrendReferenceTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Everything a finding says, in one line, so two lists compare whole.</summary>
    internal static string Describe(Finding f) =>
        string.Join(" | ", f.Rule, f.Severity, f.Step?.ToString(CultureInfo.InvariantCulture) ?? "-", f.Metric ?? "-", f.Message, f.Why ?? "-",
            string.Join("; ", f.Evidence.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")));

    /// <summary>Findings of the rule and of the reference for both losses of <paramref name="data"/>.</summary>
    internal static (List<string> Now, List<string> Reference) Both(RunData data, HealthOptions o)
    {
        var now = new List<string>();
        var reference = new List<string>();
        foreach (var key in new[] { MetricKeys.TrainLoss, MetricKeys.EvalLoss })
        {
            now.AddRange(HealthChecks.LossTrend(data, key, o).Select(Describe));
            reference.AddRange(ReferenceLossTrend.LossTrend(data, key, o).Select(Describe));
        }
        return (now, reference);
    }

    private static RunData Data(params MetricSeries[] series)
    {
        var run = new Run { Id = "r", Name = "r" };
        foreach (var s in series) run.Metrics.Add(new MetricInfo { Key = s.Key, Alias = s.Key, Count = s.Count, LastStep = s.Steps[^1] });
        return new RunData(run, series.ToDictionary(s => s.Key), Now);
    }

    private static MetricSeries Series(string key, (long Step, double Value)[] points) =>
        new(key, points.Select(p => p.Step).ToArray(), points.Select(p => p.Value).ToArray());

    /// <summary>A random shape: falling, flat, rising slowly or explosively, into NaN, with ties and spikes.</summary>
    private static MetricSeries RandomLoss(string key, Random rng)
    {
        var n = rng.Next(5, 3000);
        var shape = rng.Next(5);
        var noise = rng.NextDouble() * 0.3;
        var digits = rng.Next(1, 4);
        var riseFrom = rng.Next(n);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            var t = (double)i / n;
            var v = shape switch
            {
                0 => 3 * Math.Exp(-3 * t),
                1 => 1.5,
                2 => 2 - t + (i > riseFrom ? (i - riseFrom) * 2.0 / n : 0),
                3 => 2 - t + (i > riseFrom ? Math.Pow(1.01, Math.Min(i - riseFrom, 500)) - 1 : 0),
                _ => 1 + 0.5 * Math.Sin(10 * t),
            };
            v += noise * (rng.NextDouble() - 0.5);
            if (rng.NextDouble() < 0.01) v *= 5;
            if (rng.NextDouble() < 0.005) v = rng.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
            values[i] = Math.Round(v, digits);
        }
        var every = rng.Next(1, 20);
        return new MetricSeries(key, Enumerable.Range(1, n).Select(i => (long)i * every).ToArray(), values);
    }

    [Fact]
    public void Findings_equal_the_reference_on_random_series()
    {
        var rng = new Random(20261130);
        var rules = new Dictionary<string, int>();
        for (var round = 0; round < 150; round++)
        {
            var o = new HealthOptions
            {
                DivergenceWindow = new[] { 0.02, 0.1, 0.3 }[rng.Next(3)],
                SpikeWindow = new[] { 2, 5, 10 }[rng.Next(3)],
            };
            var data = Data(RandomLoss(MetricKeys.TrainLoss, rng), RandomLoss(MetricKeys.EvalLoss, rng));
            var (now, reference) = Both(data, o);
            Assert.Equal(reference, now);
            foreach (var rule in now.Select(d => d[..d.IndexOf(' ')])) rules[rule] = rules.GetValueOrDefault(rule) + 1;
        }
        // The random shapes must reach every branch the change touched, or the comparison proves little.
        Assert.True(rules.GetValueOrDefault("divergence") >= 10, string.Join(", ", rules));
        Assert.True(rules.GetValueOrDefault("loss-spike") >= 10, string.Join(", ", rules));
    }

    [Fact]
    public void Findings_equal_the_reference_on_a_series_reduced_to_its_longest()
    {
        // 20,000 points is what the health service reduces longer series to: a 2,000-point divergence window.
        var data = Data(Series(MetricKeys.TrainLoss, AnalysisRuns.Loss(20_000, 1)), Series(MetricKeys.EvalLoss, AnalysisRuns.Loss(2_000, 2, every: 10)));
        var (now, reference) = Both(data, new HealthOptions());
        Assert.Contains(now, d => d.StartsWith("divergence", StringComparison.Ordinal));
        Assert.Equal(reference, now);
    }
}

/// <summary>The same comparison on every run of the real-log corpus, read as the health service reads them.</summary>
[Collection(RealRunCollection.Name)]
public sealed class RealRunLossTrendTests(RealRunStore store)
{
    [Fact]
    public void Findings_equal_the_reference_on_every_real_run()
    {
        var compared = 0;
        foreach (var (file, runs) in store.Files)
        {
            foreach (var run in runs)
            {
                var data = store.Health.Read(run);
                var (now, reference) = LossTrendReferenceTests.Both(data, store.Health.Options);
                Assert.True(reference.SequenceEqual(now), $"{file} {run.Name}:\n{string.Join("\n", reference)}\nnow:\n{string.Join("\n", now)}");
                compared += now.Count;
            }
        }
        Assert.True(compared > 0);
    }
}
