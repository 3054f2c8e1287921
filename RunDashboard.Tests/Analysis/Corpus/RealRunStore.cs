using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Ingest.Corpus;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Analysis.Corpus;

/// <summary>
/// Every real log of Fixtures/real imported the way an upload is (ImportService into a LiteDB file), one upload per
/// file, so analysis tests see the runs a user would see.
/// </summary>
public sealed class RealRunStore : IDisposable
{
    private readonly TempDirectory _dir = new();

    public RealRunStore()
    {
        Store = new RunStore(_dir.File("corpus.db"));
        var imports = new ImportService(Store, Ingestor.CreateDefault(), TimeProvider.System);
        Health = new HealthService(Store, new HealthOptions(), TimeProvider.System);
        foreach (var file in RealLogCorpus.Load("seen").Concat(RealLogCorpus.Load("unseen")).Select(f => f.File))
        {
            var fixture = "real/" + file;
            var report = imports.ImportAsync([new UploadFile(Path.GetFileName(file), () => Fixture.Open(fixture))], new UploadOptions(Project: "corpus", Name: Path.GetFileNameWithoutExtension(file)))
                .GetAwaiter().GetResult();
            Files.Add((file, report.Runs.Select(r => Store.GetRun(r.Id)!).ToList()));
        }
    }

    public RunStore Store { get; }
    public HealthService Health { get; }

    /// <summary>Corpus file (relative to Fixtures/real) and the runs its upload made.</summary>
    public List<(string File, List<Run> Runs)> Files { get; } = [];

    public void Dispose()
    {
        Store.Dispose();
        _dir.Dispose();
    }
}
