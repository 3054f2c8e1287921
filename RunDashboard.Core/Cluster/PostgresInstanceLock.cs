using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace RunDashboard.Core.Cluster;

/// <summary>
/// PostgreSQL session advisory locks: the lock lives as long as the connection that took it, so an instance that is
/// killed while syncing releases it when the server sees its connection close — nobody waits for a dead holder.
/// </summary>
public sealed class PostgresInstanceLock(NpgsqlDataSource source) : IInstanceLock
{
    // While waiting, the lock is tried again at this interval: a blocking pg_advisory_lock could not be given up
    // cleanly on cancellation without also dropping the connection.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(250);

    // The local gate keeps two callers of this process from both asking the server: session locks are re-entrant
    // per connection but each caller opens its own, so without it they would simply queue in the database too.
    private readonly LocalInstanceLock _local = new();

    /// <summary>A stable 64-bit key for a lock name, the same on every instance and every .NET version.</summary>
    public static long KeyOf(string name) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("rundashboard:" + name)), 0);

    public async Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        var local = await _local.TryAcquireAsync(name, cancellationToken);
        if (local is null) return null;
        try
        {
            var held = await TryTakeAsync(name, cancellationToken);
            if (held is null) await local.DisposeAsync();
            return held is null ? null : new Both(held, local);
        }
        catch
        {
            await local.DisposeAsync();
            throw;
        }
    }

    public async Task<IAsyncDisposable> AcquireAsync(string name, CancellationToken cancellationToken = default)
    {
        var local = await _local.AcquireAsync(name, cancellationToken);
        try
        {
            while (true)
            {
                var held = await TryTakeAsync(name, cancellationToken);
                if (held is not null) return new Both(held, local);
                await Task.Delay(RetryInterval, cancellationToken);
            }
        }
        catch
        {
            await local.DisposeAsync();
            throw;
        }
    }

    private async Task<Held?> TryTakeAsync(string name, CancellationToken cancellationToken)
    {
        var connection = await source.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", KeyOf(name));
            if (await command.ExecuteScalarAsync(cancellationToken) is true) return new Held(connection, KeyOf(name));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return null;
    }

    private sealed class Held(NpgsqlConnection connection, long key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                // Unlocked explicitly: a pooled connection may be handed out again before the server resets it.
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                command.Parameters.AddWithValue("key", key);
                await command.ExecuteScalarAsync();
            }
            catch (NpgsqlException)
            {
                // The connection is gone, and the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }

    private sealed class Both(IAsyncDisposable remote, IAsyncDisposable local) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await remote.DisposeAsync();
            await local.DisposeAsync();
        }
    }
}
