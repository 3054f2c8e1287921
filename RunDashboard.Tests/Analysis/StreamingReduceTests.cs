using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Analysis;

/// <summary>Reducing a series while its chunks stream past gives the buckets a whole read then a reduction gives.</summary>
public class StreamingReduceTests
{
    /// <summary>Random chunks (some with times, some without), NaN and infinities, and their concatenation as a whole read makes it.</summary>
    private static (List<SeriesChunk> Chunks, MetricSeries Whole) Chunks(Random rng, int n, bool someTimes)
    {
        var chunks = new List<SeriesChunk>();
        var step = 0L;
        for (var at = 0; at < n;)
        {
            var count = Math.Min(n - at, rng.Next(1, 700));
            var steps = new long[count + 3];
            var values = new double[count + 3];
            var times = someTimes && rng.Next(2) == 0 ? new double[count + 3] : null;
            for (var i = 0; i < count; i++)
            {
                steps[i] = step += rng.Next(1, 4);
                values[i] = rng.NextDouble() < 0.02 ? (rng.Next(2) == 0 ? double.NaN : double.PositiveInfinity) : Math.Round(rng.NextDouble() * 10, 2);
                if (times is not null) times[i] = 1000 + step;
            }
            // Chunk arrays may be longer than their count: the tail is not part of the series.
            chunks.Add(new SeriesChunk("k", chunks.Count, steps, values, times, count));
            at += count;
        }
        var anyTimes = chunks.Any(c => c.Times is not null);
        var whole = new MetricSeries("k",
            chunks.SelectMany(c => c.Steps.Take(c.Count)).ToArray(),
            chunks.SelectMany(c => c.Values.Take(c.Count)).ToArray(),
            anyTimes ? chunks.SelectMany(c => c.Times?.Take(c.Count) ?? Enumerable.Repeat(double.NaN, c.Count)).ToArray() : null);
        return (chunks, whole);
    }

    [Theory]
    [InlineData(1, 1001, 1000)]
    [InlineData(2, 20_001, 20_000)]
    [InlineData(3, 57_123, 20_000)]
    [InlineData(4, 10_000, 7)]
    [InlineData(5, 4_000, 1)]
    public void Reducing_chunks_as_they_stream_equals_reducing_the_whole_series(int seed, int n, int points)
    {
        var (chunks, whole) = Chunks(new Random(seed), n, someTimes: seed % 2 == 1);
        var expected = Downsampler.Reduce(whole, points);
        var streamed = Downsampler.Reduce("k", chunks, n, points);
        Assert.NotNull(streamed);
        Assert.Equal(expected.Steps, streamed.Steps);
        Assert.Equal(expected.Values, streamed.Values);
        Assert.Equal(expected.Min, streamed.Min);
        Assert.Equal(expected.Max, streamed.Max);
        Assert.Equal(expected.Times, streamed.Times);
        Assert.Equal(expected.NonFiniteSteps, streamed.NonFiniteSteps);
        Assert.Equal(expected.Total, streamed.Total);
        Assert.True(streamed.Reduced);
    }

    [Fact]
    public void A_count_that_does_not_match_the_chunks_gives_no_reduction()
    {
        var (chunks, _) = Chunks(new Random(9), 5_000, someTimes: false);
        Assert.Null(Downsampler.Reduce("k", chunks, 4_999, 100));
        Assert.Null(Downsampler.Reduce("k", chunks, 5_001, 100));
        Assert.Null(Downsampler.Reduce("k", chunks, 5_000, 5_000));
    }

    [Fact]
    public void Health_findings_of_a_long_run_equal_those_of_the_whole_read_then_reduced()
    {
        using var dir = new TempDirectory();
        using var store = new RunStore(dir.File("runs.db"));
        var rng = new Random(3);
        var lr = Enumerable.Range(1, 60_000).Select(i => ((long)i, i < 1_000 ? 3e-4 * i / 1_000 : 3e-4 * (1 + Math.Cos(Math.PI * i / 60_000)) / 2)).ToArray();
        var run = AnalysisRuns.Write(store, new Dictionary<string, (long, double)[]>
        {
            [MetricKeys.TrainLoss] = AnalysisRuns.Loss(60_000, 1),
            [MetricKeys.EvalLoss] = AnalysisRuns.Loss(25_000, 2, every: 2),
            [MetricKeys.LearningRate] = lr,
            ["train/loss/kd"] = AnalysisRuns.Loss(60_000, 4).Select(p => (p.Step, p.Value / 2)).ToArray(),
        });
        var health = new HealthService(store, new HealthOptions(), TimeProvider.System);

        // What the service did before: every needed series read whole, then reduced to 20,000 buckets.
        var whole = new Dictionary<string, MetricSeries>(StringComparer.Ordinal);
        foreach (var metric in run.Metrics)
        {
            var s = store.GetSeries(run.Id, metric.Key)!;
            var d = Downsampler.Reduce(s, 20_000);
            whole[metric.Key] = new MetricSeries(s.Key, d.Steps, d.Values, d.Times);
        }
        var read = health.Read(run);
        foreach (var (key, s) in whole)
        {
            Assert.Equal(s.Steps, read.Series[key].Steps);
            Assert.Equal(s.Values, read.Series[key].Values);
            Assert.Equal(s.Times, read.Series[key].Times);
        }
        var expected = HealthChecks.Run(new RunData(run, whole, read.Now), health.Options).Select(LossTrendReferenceTests.Describe).ToList();
        var findings = health.Findings(run).Select(LossTrendReferenceTests.Describe).ToList();
        Assert.Contains(findings, f => f.StartsWith("divergence", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("non-finite", StringComparison.Ordinal));
        Assert.Equal(expected, findings);
    }
}
