using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>
/// The micro-benchmarks of the parts (BenchmarkDotNet): parsing per format, the series codec, the pyramid, smoothing
/// and the runs query. <c>--parts [filter]</c> runs them; the filter is BenchmarkDotNet's glob over
/// <c>Namespace.Class.Method</c>, e.g. <c>*Parse*</c>.
/// </summary>
public static class PartsRunner
{
    public static readonly Type[] Benchmarks =
    [
        typeof(ParseBenchmarks), typeof(CodecBenchmarks), typeof(PyramidBuildBenchmarks), typeof(BucketReadBenchmarks),
        typeof(SmoothingBenchmarks), typeof(RunsQueryBenchmarks),
    ];

    public static void Run(string dir, string? filter)
    {
        var summaries = BenchmarkSwitcher.FromTypes(Benchmarks).Run(["--filter", filter ?? "*"], new PartsConfig(Path.Combine(dir, "parts")));
        if (summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)))
        {
            throw new InvalidOperationException("a parts benchmark failed; its error is printed above");
        }
    }

    /// <summary>
    /// ShortRun (3 warm-ups, 3 measured iterations, one launch) run in this process: BenchmarkDotNet's default builds
    /// and starts a separate project per benchmark, which with the web app referenced costs minutes on 2 cores.
    /// </summary>
    private sealed class PartsConfig : ManualConfig
    {
        public PartsConfig(string artifacts)
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"));
            AddDiagnoser(MemoryDiagnoser.Default);
            AddColumnProvider(DefaultColumnProviders.Instance);
            AddLogger(ConsoleLogger.Default);
            AddExporter(MarkdownExporter.GitHub);
            ArtifactsPath = artifacts;
        }
    }
}
