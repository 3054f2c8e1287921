using RunDashboard.Core.Storage;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB.Postgres;

/// <summary>Every test of <see cref="WandbExtendedJsonTests"/>, syncing into a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class WandbExtendedJsonTestsOnPostgres(ITestOutputHelper output) : WandbExtendedJsonTests(output)
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
