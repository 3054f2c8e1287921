namespace RunDashboard.Core.Storage;

/// <summary>Configuration section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary><c>LiteDb</c> (one file, the default) or <c>Postgres</c> (one database shared by several instances).</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.LiteDb;

    /// <summary>
    /// LiteDB file; relative paths are resolved against the app's content root. Created on first start. With
    /// PostgreSQL its folder still holds this instance's temporary upload files.
    /// </summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "rundashboard.db");

    /// <summary>Npgsql connection string, e.g. <c>Host=db;Database=rundashboard;Username=rd;Password=…</c>; PostgreSQL only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Default of <see cref="PyramidCacheMegabytes"/>.</summary>
    public const int DefaultPyramidCacheMegabytes = 256;

    /// <summary>
    /// Memory for the summaries (pyramids) of recently charted series, kept so the next chart of the same series
    /// reads no document. A 1 M-point series' pyramid takes ~0.2 MB and a 100 M-point one ~20 MB, so the default
    /// keeps a dozen of the largest runs' series or thousands of ordinary ones; past it the least recently charted is
    /// dropped and loaded again from the database when needed. 0 keeps none.
    /// </summary>
    public int PyramidCacheMegabytes { get; set; } = DefaultPyramidCacheMegabytes;

    internal long PyramidCacheBytes() => PyramidCacheMegabytes >= 0
        ? PyramidCacheMegabytes * 1024L * 1024
        : throw new InvalidOperationException($"Storage:PyramidCacheMegabytes is {PyramidCacheMegabytes}; set it to a number of megabytes, 0 or more (0 keeps no series summaries in memory)");

    internal string RequireConnectionString() =>
        string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException("Storage:Provider is Postgres but Storage:ConnectionString is empty; set it to an Npgsql connection string (Host=…;Database=…;Username=…;Password=…)")
            : ConnectionString;
}
