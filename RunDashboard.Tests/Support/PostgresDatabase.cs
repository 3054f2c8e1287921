namespace RunDashboard.Tests.Support;

/// <summary>A fresh database on the test PostgreSQL server for one test class, dropped after it.</summary>
public sealed class PostgresDatabase : IDisposable
{
    public string ConnectionString { get; } = PostgresServer.Instance.CreateDatabase();

    public void Dispose()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        PostgresServer.Instance.DropDatabase(ConnectionString);
    }
}
