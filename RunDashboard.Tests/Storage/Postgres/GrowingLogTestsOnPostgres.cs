using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="GrowingLogTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class GrowingLogTestsOnPostgres : GrowingLogTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
