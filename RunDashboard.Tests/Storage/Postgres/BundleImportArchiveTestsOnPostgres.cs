using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="BundleImportArchiveTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class BundleImportArchiveTestsOnPostgres : BundleImportArchiveTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
