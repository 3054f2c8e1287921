using Npgsql;
using RunDashboard.Core.Cluster;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

public sealed class LocalInstanceLockTests
{
    [Fact]
    public async Task A_held_lock_is_refused_until_it_is_released()
    {
        var locks = new LocalInstanceLock();
        var first = await locks.TryAcquireAsync("wandb-sync");
        Assert.NotNull(first);
        Assert.Null(await locks.TryAcquireAsync("wandb-sync"));
        Assert.NotNull(await locks.TryAcquireAsync("another"));

        var waiting = locks.AcquireAsync("wandb-sync");
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await first!.DisposeAsync();
        await using var second = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }
}

/// <summary>Two <see cref="PostgresInstanceLock"/>s stand for two dashboard processes on one database.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresInstanceLockTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Only_one_instance_holds_the_lock_and_the_other_gets_it_after_release()
    {
        await using var poolA = NpgsqlDataSource.Create(database.ConnectionString);
        await using var poolB = NpgsqlDataSource.Create(database.ConnectionString);
        var a = new PostgresInstanceLock(poolA);
        var b = new PostgresInstanceLock(poolB);
        var name = "sync-" + Guid.NewGuid().ToString("N");

        var held = await a.TryAcquireAsync(name);
        Assert.NotNull(held);
        Assert.Null(await b.TryAcquireAsync(name));

        var waiting = b.AcquireAsync(name);
        await Task.Delay(600);
        Assert.False(waiting.IsCompleted, "instance B got a lock instance A still holds");
        await held!.DisposeAsync();
        await using var taken = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Null(await a.TryAcquireAsync(name));
    }

    [Fact]
    public async Task A_lock_held_by_an_instance_whose_connection_died_is_free_again()
    {
        await using var poolA = NpgsqlDataSource.Create(database.ConnectionString);
        await using var poolB = NpgsqlDataSource.Create(database.ConnectionString);
        var a = new PostgresInstanceLock(poolA);
        var b = new PostgresInstanceLock(poolB);
        var name = "sync-" + Guid.NewGuid().ToString("N");
        var held = await a.TryAcquireAsync(name);
        Assert.NotNull(held);

        // What the server sees when an instance is SIGKILLed: its connection ends.
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                  AND pid <> pg_backend_pid()
                """, admin);
            await kill.ExecuteNonQueryAsync();
        }

        await using var taken = await b.AcquireAsync(name).WaitAsync(TimeSpan.FromSeconds(10));
        await held!.DisposeAsync(); // releasing through a dead connection is not an error
    }
}
