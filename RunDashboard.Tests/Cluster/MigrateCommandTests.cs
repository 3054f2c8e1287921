using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RunDashboard.Cluster;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Cluster;

/// <summary>
/// A LiteDB database written by the dashboard (uploads, a short link, a W&amp;B project, reading hints) moved into
/// PostgreSQL with the migrate command, then served from PostgreSQL by a dashboard with the same ids and links.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class MigrateCommandTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<(string Path, string Lora, string Nano, string Code)> LiteDbWrittenByTheDashboardAsync()
    {
        await using var server = await DashboardServer.StartAsync();
        var lora = await server.UploadFixtureAsync("mlx_lm_lora_run3.log", "lora run", "lab");
        var nano = await server.UploadFixtureAsync("nanogpt_train.log", "nano run", "lab");
        var link = await (await server.Client.PostAsJsonAsync("/api/links", new { url = $"/compare?runs={lora},{nano}" })).Content.ReadFromJsonAsync<JsonElement>();
        server.Service<RunDashboard.Core.WandB.WandbProjectStore>().Add("lab/pretrain");
        server.Service<RunDashboard.Core.Storage.RunStore>().SaveReadingHints("lab", new RunDashboard.Core.Ingest.ReadingHints("iter", new Dictionary<string, string>()));
        // A consistent copy of the live database, as a user would take one before migrating.
        var path = _dir.File("backup.db");
        await using (var file = File.Create(path)) await (await server.Client.GetStreamAsync("/api/export")).CopyToAsync(file);
        return (path, lora, nano, link.GetProperty("code").GetString()!);
    }

    private static (int Code, string Out, string Err) Migrate(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var code = MigrateCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Copies_runs_series_uploads_links_and_settings_keeping_ids_and_a_second_run_adds_nothing()
    {
        var (path, lora, nano, code) = await LiteDbWrittenByTheDashboardAsync();

        var first = Migrate("--from", path, "--to", database.ConnectionString);
        Assert.True(first.Code == 0, first.Out + first.Err);
        Assert.Contains("2 runs (2 copied", first.Out);
        Assert.Contains("2 uploads (2 copied", first.Out);
        Assert.Contains("verified", first.Out);

        var again = Migrate("--from", path, "--to", database.ConnectionString);
        Assert.True(again.Code == 0, again.Out + again.Err);
        Assert.Contains("2 runs (0 copied, 0 points)", again.Out);
        Assert.Contains("2 uploads (0 copied", again.Out);

        await using var server = await DashboardServer.StartAsync("--Storage:Provider=Postgres", $"--Storage:ConnectionString={database.ConnectionString}");
        var run = await server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{lora}");
        Assert.Equal("lora run", run.GetProperty("name").GetString());
        var loss = await server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{lora}/series?key=train/loss");
        Assert.Equal(36, loss.GetProperty("steps").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync($"/api/runs/{nano}")).StatusCode);
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(server.BaseUrl) };
        var redirect = await noRedirect.GetAsync($"/s/{code}");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.EndsWith($"/compare?runs={lora},{nano}", redirect.Headers.Location!.ToString());
        Assert.Contains("lab/pretrain", server.Service<RunDashboard.Core.WandB.WandbProjectStore>().List());
        Assert.Equal("iter", server.Service<RunDashboard.Core.Storage.RunStore>().GetReadingHints("lab")!.StepField);
        // The raw upload came along: re-parsing it from PostgreSQL gives the same runs.
        var reimport = await server.Client.PostAsync("/api/uploads/reimport", null);
        Assert.Equal(HttpStatusCode.OK, reimport.StatusCode);
        Assert.Equal(36, (await server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{lora}/series?key=train/loss")).GetProperty("steps").GetArrayLength());
    }

    [Fact]
    public async Task A_copy_that_differs_from_the_source_exits_non_zero_naming_the_series()
    {
        var (path, lora, _, _) = await LiteDbWrittenByTheDashboardAsync();
        Assert.Equal(0, Migrate("--from", path, "--to", database.ConnectionString).Code);

        await using (var conn = new NpgsqlConnection(database.ConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("DELETE FROM chunks WHERE run_id = @id AND series_key = 'train/loss'", conn);
            cmd.Parameters.AddWithValue("id", lora);
            Assert.True(await cmd.ExecuteNonQueryAsync() > 0);
        }

        var (code, _, error) = Migrate("--from", path, "--to", database.ConnectionString);
        Assert.Equal(1, code);
        Assert.Contains($"run {lora} (lora run) series train/loss: 36 points in the source, 0 in the target", error);
    }

    [Fact]
    public void Bad_arguments_are_named_and_nothing_is_started()
    {
        var (code, _, error) = Migrate("--from", _dir.File("nothing-here.db"), "--to", database.ConnectionString);
        Assert.Equal(2, code);
        Assert.Contains("there is no LiteDB database at", error);
        var (code2, _, error2) = Migrate("--from", _dir.File("x.db"));
        Assert.Equal(2, code2);
        Assert.Contains("--to", error2);
    }

    [Fact]
    public async Task The_dashboard_program_runs_migrate_and_exits_without_serving()
    {
        var (path, _, _, _) = await LiteDbWrittenByTheDashboardAsync();
        var dll = Path.Combine(AppContext.BaseDirectory, "RunDashboard.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", dll, "migrate", "--from", path, "--to", database.ConnectionString])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _dir.Path,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(120_000), "migrate did not exit: it must not start the web server");
        Assert.True(process.ExitCode == 0, await output + await error);
        Assert.Contains("verified", await output);
        Assert.DoesNotContain("Now listening", await output);
    }
}
