using BenchmarkDotNet.Attributes;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>
/// The runs list over 10,000 runs (one W&amp;B runs-table CSV imported into a temporary LiteDB store): a page of 50
/// with filters and sorts as the list asks (RunCatalog.Query over its cached rows), and the catalog built from the
/// store, as after a restart.
/// </summary>
public class RunsQueryBenchmarks
{
    private const int Runs = 10_000;
    private static readonly Lazy<RunStore> SharedStore = new(ImportRunsTable);
    private RunStore _store = null!;
    private RunCatalog _catalog = null!;

    /// <summary>
    /// Imported once per process (each benchmark method runs its own setup, and 10,000 runs take a while to
    /// import); the folder goes when the process ends.
    /// </summary>
    private static RunStore ImportRunsTable()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"rundashboard-runs-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        var csv = Path.Combine(dir, "runs_table.csv");
        RunsBenchmark.WriteRunsTable(csv, Runs);
        var store = new RunStore(Path.Combine(dir, "runs.db"));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            store.Dispose();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        var report = new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("runs_table.csv", () => File.OpenRead(csv))], new UploadOptions(Project: "sweeps")).GetAwaiter().GetResult();
        if (!report.Succeeded || report.Runs.Count != Runs) throw new InvalidOperationException($"the runs table imported {report.Runs.Count} runs: {report.Error}");
        return store;
    }

    [GlobalSetup]
    public void Setup()
    {
        _store = SharedStore.Value;
        _catalog = new RunCatalog(_store, new TagRules([]));
        if (_catalog.Query(new RunQuery()).Total != Runs) throw new InvalidOperationException("the catalog does not list every run");
        // A filter that matches nothing would time an empty page.
        foreach (var query in new[] { FirstPageQuery, TextQuery, StateQuery, ProjectTagQuery })
        {
            if (_catalog.Query(query).Items.Count == 0) throw new InvalidOperationException($"{query} finds no runs");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _catalog.Dispose();

    private static readonly RunQuery FirstPageQuery = new();
    private static readonly RunQuery TextQuery = new() { Text = "sweep-01", SortBy = "train", Descending = false };
    private static readonly RunQuery StateQuery = new() { State = "crashed", SortBy = "name", Page = 3 };
    private static readonly RunQuery ProjectTagQuery = new() { Project = "sweeps", Tag = "lr-high", SortBy = "eval", Page = 5 };

    [Benchmark]
    public int FirstPage() => _catalog.Query(FirstPageQuery).Items.Count;

    [Benchmark]
    public int TextSearchSortedByTrainLoss() => _catalog.Query(TextQuery).Items.Count;

    [Benchmark]
    public int StateFilterSortedByNamePage3() => _catalog.Query(StateQuery).Items.Count;

    [Benchmark]
    public int ProjectAndTagSortedByEvalPage5() => _catalog.Query(ProjectTagQuery).Items.Count;

    [Benchmark]
    public int CatalogFromStore()
    {
        using var catalog = new RunCatalog(_store, new TagRules([]));
        return catalog.Query(new RunQuery()).Items.Count;
    }
}
