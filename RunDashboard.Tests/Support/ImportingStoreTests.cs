using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Support;

/// <summary>
/// A store on the provider under test with the import service over it, as the dashboard wires them. The
/// <c>…OnPostgres</c> variant of a test class overrides <see cref="Provider"/> and runs every test again.
/// </summary>
public abstract class ImportingStoreTests : IDisposable
{
    protected ImportingStoreTests(string database)
    {
        Stores = new TestStores(Provider);
        Store = Stores.Open(database);
        Imports = new ImportService(Store, Ingestor.CreateDefault(), TimeProvider.System);
    }

    /// <summary>The database under test; the PostgreSQL variant of a test class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    protected TestStores Stores { get; }
    protected RunStore Store { get; }
    protected ImportService Imports { get; }

    /// <summary>Files sent together, as one upload with no options.</summary>
    protected Task<ImportReport> Upload(params (string Name, byte[] Bytes)[] files) =>
        Imports.ImportAsync(files.Select(f => new UploadFile(f.Name, () => new MemoryStream(f.Bytes))).ToList(), new UploadOptions());

    public virtual void Dispose()
    {
        Store.Dispose();
        Stores.Dispose();
        GC.SuppressFinalize(this);
    }
}
