using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

/// <summary>Two instances on one PostgreSQL database; one is SIGKILLed in the middle of a large import.</summary>
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
public sealed class FailoverTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string[] Postgres => ["--Storage:Provider=Postgres", $"--Storage:ConnectionString={database.ConnectionString}"];

    private long Scalar(string sql)
    {
        using var conn = new NpgsqlConnection(database.ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>An MLX-LM log of about <paramref name="lines"/> × 120 bytes.</summary>
    private string WriteLog(int lines) => MlxLogs.Write(_dir.File("big.log"), lines);

    [Fact]
    public async Task An_instance_killed_mid_import_leaves_nothing_half_written_and_the_other_keeps_serving()
    {
        await using var b = await DashboardServer.StartAsync(Postgres);
        var kept = await b.UploadFixtureAsync("mlx_lm_lora_run3.log", "kept run");
        var log = WriteLog(1_000_000);

        using (var a = await DashboardProcess.StartAsync([$"--Storage:DatabasePath={_dir.File("a.db")}", .. Postgres]))
        {
            var form = new MultipartFormDataContent();
            var file = new StreamContent(File.OpenRead(log), 1 << 20);
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(file, "file", "big.log");
            var upload = a.Client.PostAsync(a.BaseUrl + "/api/uploads", form);
            // Kill once the import has staged chunks in the database: the moment a half-written run could leak.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (Scalar("SELECT count(*) FROM chunks WHERE run_id NOT IN (SELECT id FROM runs)") == 0 && DateTime.UtcNow < deadline && !upload.IsCompleted)
                await Task.Delay(20);
            Assert.False(upload.IsCompleted, "the import finished before the kill; the log is too small to test this");
            a.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
        }

        // B never showed the half import and still serves reads and writes.
        var list = await b.Client.GetFromJsonAsync<JsonElement>("/api/runs/query");
        Assert.Equal(1, list.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.OK, (await b.Client.GetAsync($"/api/runs/{kept}/series?key=train/loss&points=100")).StatusCode);
        await b.UploadFixtureAsync("nanogpt_train.log", "after the kill");
        Assert.Equal(2, Scalar("SELECT count(*) FROM runs"));
        Assert.Equal(2, Scalar("SELECT count(*) FROM uploads"));

        // The killed instance's staged rows are removed by the next instance that starts (its owner lock is gone).
        await using (var c = await DashboardServer.StartAsync(Postgres))
        {
            Assert.Equal(0, Scalar("SELECT count(*) FROM pending_imports"));
            Assert.Equal(0, Scalar("SELECT count(*) FROM chunks WHERE run_id NOT IN (SELECT id FROM runs)"));
            Assert.Equal(0, Scalar("SELECT count(*) FROM upload_files WHERE upload_id NOT IN (SELECT id FROM uploads)"));
            Assert.Equal(0, Scalar("SELECT count(*) FROM upload_pieces WHERE upload_id NOT IN (SELECT id FROM uploads)"));
            Assert.Equal(2, (await c.Client.GetFromJsonAsync<JsonElement>("/api/runs/query")).GetProperty("total").GetInt32());
        }
    }
}
