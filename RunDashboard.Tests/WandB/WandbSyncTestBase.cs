using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Core;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Core.WandB;
using RunDashboard.Tests.Support;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

/// <summary>
/// A real store (a LiteDB file, or a PostgreSQL database in the <c>OnPostgres</c> variants) and the dashboard's W&amp;B
/// client talking HTTP to <see cref="FakeWandbServer"/> on loopback.
/// </summary>
public abstract class WandbSyncTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    protected const string Project = "lab/pretrain";
    protected FakeWandbServer Wandb = null!;
    private TestStores? _stores;
    private ServiceProvider _services = null!;
    protected ITestOutputHelper Output { get; } = output;

    /// <summary>The database under test; the PostgreSQL variants override it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    private TestStores Stores => _stores ??= new TestStores(Provider);

    public async Task InitializeAsync()
    {
        Wandb = await FakeWandbServer.StartAsync();
        _services = Services(FakeWandbServer.ApiKey);
    }

    protected ServiceProvider Services(string? key, int perPage = 2, int historyPageSize = 100, Action<WandbOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        var name = $"wandb-{Guid.NewGuid():N}.db";
        services.Configure<StorageOptions>(o => Stores.Configure(o, name));
        services.Configure<WandbOptions>(o =>
        {
            o.BaseUrl = Wandb.BaseUrl;
            o.ApiKey = key;
            o.PerPage = perPage;
            o.HistoryPageSize = historyPageSize;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
            o.Retries = 3;
            configure?.Invoke(o);
        });
        services.AddRunDashboardCore(Stores.Dir.Path);
        return services.BuildServiceProvider();
    }

    /// <summary>Replaces the default services (e.g. to change options); disposed with the test.</summary>
    protected void UseServices(ServiceProvider services)
    {
        _services.Dispose();
        _services = services;
    }

    protected RunStore Store => _services.GetRequiredService<RunStore>();

    protected T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>
    /// One sync round; <paramref name="timeout"/> bounds a client that would page forever. It is a hang guard, not a
    /// speed check: a round of 300 runs takes 5–10 s on a quiet machine and nearly a minute on a loaded one.
    /// </summary>
    protected async Task<ProjectSyncResult> SyncAsync(bool force = false, ServiceProvider? services = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        return (await (services ?? _services).GetRequiredService<WandbSyncRunner>().SyncAsync([Project], force, cts.Token)).Single();
    }

    /// <summary>The report as <c>POST /api/sync</c> answers it.</summary>
    protected static string Report(ProjectSyncResult result) => JsonSerializer.Serialize(result);

    protected FakeRun AddRun(string name, string state = "finished", int steps = 120, params string[] tags)
    {
        var run = new FakeRun { Name = name, DisplayName = $"display-{name}", State = state, Tags = [.. tags] }.Steps(0, steps - 1);
        Wandb.Project(Project).Add(run);
        return run;
    }

    protected FakeRun AddEmptyRun(string name, string state = "finished")
    {
        var run = new FakeRun { Name = name, DisplayName = $"display-{name}", State = state };
        Wandb.Project(Project).Add(run);
        return run;
    }

    protected Run StoredRun(string name) => Store.WandbRuns("lab", "pretrain")[name];

    protected IReadOnlyList<long> StoredSteps(string name, string key = MetricKeys.TrainLoss) =>
        Store.GetSeries(StoredRun(name).Id, key) is { } s ? s.Steps.ToList() : [];

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await Wandb.DisposeAsync();
        _stores?.Dispose();
    }
}
