using RunDashboard.Core.Storage;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB.Postgres;

/// <summary>Every test of <see cref="WandbRateLimitTests"/>, syncing into a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class WandbRateLimitTestsOnPostgres(ITestOutputHelper output) : WandbRateLimitTests(output)
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
