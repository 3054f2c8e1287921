using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="SeriesPyramidTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class SeriesPyramidTestsOnPostgres : SeriesPyramidTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
