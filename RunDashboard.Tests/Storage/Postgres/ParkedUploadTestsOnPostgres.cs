using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>Every test of <see cref="ParkedUploadTests"/>, on a fresh PostgreSQL database.</summary>
[Trait("Category", "Postgres")]
public class ParkedUploadTestsOnPostgres : ParkedUploadTests
{
    protected override StorageProvider Provider => StorageProvider.Postgres;
}
