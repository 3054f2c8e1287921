using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="SeriesCodecTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class SeriesCodecTestsOnPostgres : SeriesCodecTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
