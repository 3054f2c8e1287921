using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="ProvenanceTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class ProvenanceTestsOnPostgres : ProvenanceTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
