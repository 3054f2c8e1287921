using Microsoft.AspNetCore.DataProtection;
using RunDashboard.Core.Storage;

namespace RunDashboard.Cluster;

/// <summary>What several instances on one PostgreSQL database must share besides the data itself.</summary>
public static class ClusterServices
{
    /// <summary>The application name under which Data Protection keys are shared (the default is the content root, which differs per machine).</summary>
    public const string ApplicationName = "RunDashboard";

    public static IServiceCollection AddClusterSharing(this IServiceCollection services, IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        if (storage.Provider != StorageProvider.Postgres) return services;
        var connectionString = storage.ConnectionString;
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("Storage:Provider is Postgres but Storage:ConnectionString is empty.");
        services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .AddKeyManagementOptions(o => o.XmlRepository = new PostgresKeyRepository(connectionString));
        return services;
    }
}
