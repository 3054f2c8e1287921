using Npgsql;

namespace RunDashboard.Core.Cluster;

/// <summary>
/// Failures that go away by themselves: the shared database restarting, failing over or refusing connections for a
/// moment. An import that meets one is run again from its kept upload body rather than answered with an error.
/// </summary>
public static class TransientFailures
{
    /// <summary>How long an import keeps retrying: a PostgreSQL restart or failover takes seconds, rarely a minute.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(90);

    public static bool IsTransient(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsTransient):
                    return true;
                case PostgresException pg when IsTransientState(pg.SqlState):
                    return true;
                case PostgresException:
                    return false; // the server answered: a constraint or syntax error does not go away by waiting
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }
        return false;
    }

    // Class 08: connection exceptions; 57P01–57P03: the server is shutting down, crashed or still starting;
    // 53300: too many connections; 40001/40P01: serialization failure and deadlock, retried by re-running.
    private static bool IsTransientState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal) || state is "57P01" or "57P02" or "57P03" or "53300" or "40001" or "40P01";

    /// <summary>The wait before attempt <paramref name="attempt"/> (1-based): 0.5 s doubling to 8 s.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(8_000, 500 * Math.Pow(2, attempt - 1)));
}
