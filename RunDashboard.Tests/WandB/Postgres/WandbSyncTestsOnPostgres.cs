using RunDashboard.Core.Storage;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB.Postgres;

/// <summary>Every test of <see cref="WandbSyncTests"/>, syncing into a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class WandbSyncTestsOnPostgres(ITestOutputHelper output) : WandbSyncTests(output)
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
