using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Cluster;

namespace RunDashboard.Core.WandB;

/// <summary>
/// Runs syncs for the page, the API and the background service, one at a time, and publishes live progress so
/// every open /sync page shows the same bar.
/// </summary>
public sealed class WandbSyncRunner(IServiceScopeFactory scopes, WandbProjectStore projects, IOptions<WandbOptions> options, IInstanceLock instances)
{
    /// <summary>The name of the lock every instance takes around a sync.</summary>
    public const string LockName = "wandb-sync";

    private readonly Lock _gate = new();

    // One sync at a time per dashboard: the page, the API and the timer share it.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public SyncProgress? Current { get; private set; }
    public bool Running => Current is not null;

    /// <summary>Raised on every progress step and when a sync ends (with <see cref="Current"/> null).</summary>
    public event Action? Changed;

    /// <summary>Configured projects and the ones added on the page.</summary>
    public IReadOnlyList<string> Projects => options.Value.Projects.Concat(projects.List()).Distinct(StringComparer.Ordinal).ToList();

    public bool HasApiKey => options.Value.HasApiKey;

    public string BaseUrl => options.Value.BaseUrl;

    public ProjectSyncResult? LastResult(string project) => projects.LastResult(project);

    public async Task<IReadOnlyList<ProjectSyncResult>> SyncAsync(IReadOnlyList<string>? only = null, bool force = false, CancellationToken cancellationToken = default) =>
        (await SyncAsync(only, force, waitForOtherInstances: true, cancellationToken))!;

    /// <summary>
    /// Syncs unless <paramref name="waitForOtherInstances"/> is false and a sync already runs here or on another
    /// instance sharing the database; then answers <c>null</c> at once (the timer's next tick tries again).
    /// </summary>
    public async Task<IReadOnlyList<ProjectSyncResult>?> SyncAsync(IReadOnlyList<string>? only, bool force, bool waitForOtherInstances, CancellationToken cancellationToken)
    {
        var list = only is { Count: > 0 } ? only : Projects;
        if (waitForOtherInstances) await _oneAtATime.WaitAsync(cancellationToken);
        else if (!await _oneAtATime.WaitAsync(0, cancellationToken)) return null;
        using var release = new Releaser(_oneAtATime);
        await using var held = waitForOtherInstances
            ? await instances.AcquireAsync(LockName, cancellationToken)
            : await instances.TryAcquireAsync(LockName, cancellationToken);
        if (held is null) return null;
        using var scope = scopes.CreateScope();
        var sync = scope.ServiceProvider.GetRequiredService<WandbSync>();
        var progress = new Progress(this);
        try
        {
            lock (_gate) Current = new SyncProgress(list.FirstOrDefault() ?? "", 0, 0, 0);
            Changed?.Invoke();
            return await sync.SyncAsync(list, force, progress, cancellationToken);
        }
        finally
        {
            lock (_gate) Current = null;
            Changed?.Invoke();
        }
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }

    // IProgress<T> without a SynchronizationContext hop: the report is stored and announced at once.
    private sealed class Progress(WandbSyncRunner runner) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value)
        {
            lock (runner._gate) runner.Current = value;
            runner.Changed?.Invoke();
        }
    }
}
