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

    internal string RequireConnectionString() =>
        string.IsNullOrWhiteSpace(ConnectionString)
            ? throw new InvalidOperationException("Storage:Provider is Postgres but Storage:ConnectionString is empty; set it to an Npgsql connection string (Host=…;Database=…;Username=…;Password=…)")
            : ConnectionString;
}
