using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="RunStoreTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class RunStoreTestsOnPostgres : RunStoreTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
