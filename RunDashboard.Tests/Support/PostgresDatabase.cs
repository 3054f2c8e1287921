using Npgsql;

namespace RunDashboard.Tests.Support;

/// <summary>A fresh database for one test class (temporary: replaced by the shared PostgreSQL fixture).</summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    private string _name = "";
    private string _server = "";

    public async Task InitializeAsync()
    {
        _server = Environment.GetEnvironmentVariable("RUNDASHBOARD_TEST_POSTGRES")
            ?? throw new InvalidOperationException("RUNDASHBOARD_TEST_POSTGRES is not set");
        _name = "rd_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {_name}", connection);
        await create.ExecuteNonQueryAsync();
        ConnectionString = new NpgsqlConnectionStringBuilder(_server) { Database = _name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
