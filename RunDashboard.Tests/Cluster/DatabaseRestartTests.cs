using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using RunDashboard.Core.Cluster;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

public sealed class TransientFailureTests
{
    [Fact]
    public void A_lost_connection_or_a_server_shutting_down_is_transient_and_a_constraint_violation_is_not()
    {
        Assert.True(TransientFailures.IsTransient(new NpgsqlException("read failed", new System.IO.EndOfStreamException())));
        Assert.True(TransientFailures.IsTransient(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        Assert.True(TransientFailures.IsTransient(new InvalidOperationException("the writer failed", new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"))));
        Assert.True(TransientFailures.IsTransient(new AggregateException(new PostgresException("connection failure", "FATAL", "FATAL", "08006"))));

        Assert.False(TransientFailures.IsTransient(new PostgresException("duplicate key", "ERROR", "ERROR", "23505")));
        Assert.False(TransientFailures.IsTransient(new NpgsqlException("bad", new PostgresException("syntax", "ERROR", "ERROR", "42601"))));
        Assert.False(TransientFailures.IsTransient(new InvalidDataException("not a log")));
        Assert.Equal(TimeSpan.FromMilliseconds(500), TransientFailures.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(8), TransientFailures.Backoff(10));
    }
}

/// <summary>PostgreSQL restarted while a training script keeps uploading: every upload ends as a run.</summary>
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class DatabaseRestartTests : IDisposable
{
    private readonly PostgresServer.Cluster _cluster = PostgresServer.StartPrivate();

    public void Dispose() => _cluster.Dispose();


    [Fact]
    public async Task Uploads_sent_while_the_database_restarts_are_retried_not_lost()
    {
        await using var server = await DashboardServer.StartAsync("--Storage:Provider=Postgres", $"--Storage:ConnectionString={_cluster.ConnectionString}");
        const int uploads = 10;
        var statuses = new List<HttpStatusCode>();
        var restart = (Task?)null;
        for (var i = 0; i < uploads; i++)
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent(MlxLogs.Bytes(20_000, seed: i)), "file", $"run{i}.log" } };
            // The server goes down for 3 s right after the first upload, while the script keeps sending.
            if (i == 1) restart = Task.Run(() => _cluster.Restart(TimeSpan.FromSeconds(3)));
            var response = await server.Client.PostAsync("/api/uploads", form);
            statuses.Add(response.StatusCode);
        }
        await restart!;

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.True(server.Service<ImportService>().RetriedImports > 0, "no upload met the restart; the test did not test it");
        var list = await server.Client.GetFromJsonAsync<JsonElement>("/api/runs/query");
        Assert.Equal(uploads, list.GetProperty("total").GetInt32());
    }
}
