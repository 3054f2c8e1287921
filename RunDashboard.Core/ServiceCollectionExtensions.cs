using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Core.WandB;

namespace RunDashboard.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Core services. <paramref name="contentRoot"/> resolves a relative <c>Storage:DatabasePath</c>.
    /// The caller binds <see cref="StorageOptions"/> and <see cref="WandbOptions"/> from configuration.
    /// </summary>
    public static IServiceCollection AddRunDashboardCore(this IServiceCollection services, string contentRoot)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new Ingestor(Ingestor.BuiltInFormats()) { Limits = sp.GetService<IOptions<IngestLimits>>()?.Value ?? new IngestLimits() });
        // Storage:Provider picks the database (LiteDb by default, Postgres for several instances); RunStore is the same façade over both.
        services.AddSingleton(sp => RunStore.Open(sp.GetRequiredService<IOptions<StorageOptions>>().Value, contentRoot));
        services.AddSingleton<ImportService>();
        services.AddSingleton(sp => TagRules.From(sp.GetService<IOptions<TagRuleOptions>>()?.Value ?? new TagRuleOptions()));
        services.AddSingleton<RunCatalog>();
        services.AddSingleton(sp => sp.GetService<IOptions<HealthOptions>>()?.Value ?? new HealthOptions());
        services.AddSingleton<HealthService>();
        services.AddSingleton<ForecastService>();
        services.AddSingleton<ProvenanceService>();
        services.AddSingleton<SeedNoiseService>();
        services.AddSingleton<SeriesService>();
        services.AddSingleton<RunService>();
        services.AddHttpClient(ChatNotifier.HttpClientName);
        services.AddSingleton<ChatNotifier>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatNotifier>());
        services.AddSingleton<ShortLinks>();
        services.AddWandbClient();
        services.AddSingleton<WandbProjectStore>();
        services.AddTransient<WandbSync>();
        // Instances sharing a PostgreSQL database take their locks there; a LiteDB file has one process.
        services.AddSingleton<RunDashboard.Core.Cluster.IInstanceLock>(sp =>
            sp.GetRequiredService<RunStore>().Backend is RunDashboard.Core.Storage.Postgres.PostgresBackend postgres
                ? new RunDashboard.Core.Cluster.PostgresInstanceLock(postgres.DataSource)
                : new RunDashboard.Core.Cluster.LocalInstanceLock());
        services.AddSingleton<WandbSyncRunner>();
        services.AddHostedService<WandbSyncService>();
        return services;
    }
}
