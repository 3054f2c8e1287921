using BenchmarkDotNet.Attributes;
using RunDashboard.Core.Analysis;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>The debiased EMA of the smoothing slider over a chart's 1,200 buckets and over a raw 1 M-point series.</summary>
public class SmoothingBenchmarks
{
    private double[] _values = [];

    [Params(1_200, 1_000_000)]
    public int Points { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _values = Enumerable.Range(1, Points).Select(i => 3.0 / Math.Log(i + 2) + rng.NextDouble() * 0.05).ToArray();
    }

    [Benchmark]
    public double[] DebiasedEma() => Smoothing.DebiasedEma(_values, 0.9);
}
