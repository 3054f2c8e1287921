using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="BundleImportTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class BundleImportTestsOnPostgres : BundleImportTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
