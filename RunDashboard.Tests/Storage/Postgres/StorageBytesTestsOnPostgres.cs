using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="StorageBytesTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class StorageBytesTestsOnPostgres : StorageBytesTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
