using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="DocumentCollectionTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class DocumentCollectionTestsOnPostgres : DocumentCollectionTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
