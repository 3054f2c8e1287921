namespace RunDashboard.Core.Storage;

/// <summary>Which database holds the dashboard's data (<c>Storage:Provider</c>).</summary>
public enum StorageProvider
{
    LiteDb,
    Postgres,
}
