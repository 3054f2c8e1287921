using RunDashboard.Core.Storage;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB.Postgres;

/// <summary>Every test of <see cref="WandbHistoryScanTests"/>, syncing into a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class WandbHistoryScanTestsOnPostgres(ITestOutputHelper output) : WandbHistoryScanTests(output)
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
