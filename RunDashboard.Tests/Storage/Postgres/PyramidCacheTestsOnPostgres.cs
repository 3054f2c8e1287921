using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="PyramidCacheTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class PyramidCacheTestsOnPostgres : PyramidCacheTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
