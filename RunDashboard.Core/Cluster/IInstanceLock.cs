namespace RunDashboard.Core.Cluster;

/// <summary>
/// A named lock shared by every dashboard instance on the same storage. With one embedded database it only has to
/// hold inside this process; with PostgreSQL several instances behind a load balancer take it in the database, so a
/// W&amp;B project is synced by one instance at a time.
/// </summary>
public interface IInstanceLock
{
    /// <summary>Takes the lock if nobody holds it; <c>null</c> when another holder (here or on another instance) has it.</summary>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Waits for the lock.</summary>
    Task<IAsyncDisposable> AcquireAsync(string name, CancellationToken cancellationToken = default);
}
