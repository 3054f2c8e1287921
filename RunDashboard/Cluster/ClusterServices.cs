using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.Postgres;

namespace RunDashboard.Cluster;

/// <summary>What several instances on one PostgreSQL database must share besides the data itself.</summary>
public static class ClusterServices
{
    /// <summary>The application name under which Data Protection keys are shared (the default is the content root, which differs per machine).</summary>
    public const string ApplicationName = "RunDashboard";

    public static IServiceCollection AddClusterSharing(this IServiceCollection services, IConfiguration configuration)
    {
        // The application name decides which key ring a cookie belongs to, so it is set before any service exists;
        // a LiteDB dashboard keeps the default and the cookies it already issued.
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider != StorageProvider.Postgres) return services;
        services.AddDataProtection().SetApplicationName(ApplicationName);
        // The keys live in the store's own database, through its connection pool.
        services.AddOptions<KeyManagementOptions>().Configure<RunStore>((o, store) =>
            o.XmlRepository = new PostgresKeyRepository(((PostgresBackend)store.Backend).DataSource));
        return services;
    }
}
