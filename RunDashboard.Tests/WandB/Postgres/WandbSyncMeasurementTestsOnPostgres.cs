using RunDashboard.Core.Storage;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB.Postgres;

/// <summary>Every test of <see cref="WandbSyncMeasurementTests"/>, syncing into a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class WandbSyncMeasurementTestsOnPostgres(ITestOutputHelper output) : WandbSyncMeasurementTests(output)
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
