using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>The insight endpoints on the real app: Kestrel, LiteDB, uploads over HTTP.</summary>
public class InsightEndpointTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The MLX-LM log (iters: 1800) cut after iteration 900: half a run, still going.</summary>
    private static byte[] HalfRun()
    {
        var lines = Encoding.UTF8.GetString(Fixture.Bytes("mlx_lm_lora_run3.log")).Split('\n');
        var cut = Array.FindIndex(lines, l => l.StartsWith("Iter 950:", StringComparison.Ordinal));
        return Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(cut)) + "\n");
    }

    private async Task<string> UploadAsync(string name, byte[] bytes) =>
        (await _server.UploadAsync(name, bytes))[0].GetProperty("id").GetString()!;

    [Fact]
    public async Task The_forecast_predicts_the_loss_at_the_configured_total_with_a_band_and_eta()
    {
        var id = await UploadAsync("half_run.log", HalfRun());

        var forecast = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/forecast?key=train/loss");

        Assert.Equal("train/loss", forecast.GetProperty("key").GetString());
        Assert.Equal(1800, forecast.GetProperty("atStep").GetInt64());
        var predicted = forecast.GetProperty("predicted").GetDouble();
        Assert.InRange(predicted, forecast.GetProperty("low").GetDouble(), forecast.GetProperty("high").GetDouble());
        Assert.True(predicted < 1.888, "below the loss at iteration 200"); // the log falls from 2.061 at 50 to about 1.6 at 900
        Assert.Contains(forecast.GetProperty("model").GetString(), new[] { "power law", "exponential" });
        Assert.True(forecast.GetProperty("eta").GetDouble() > 0); // 900 iterations left at the logged it/sec
        Assert.Equal("iters", forecast.GetProperty("totalFrom").GetString());
    }

    [Fact]
    public async Task A_run_without_a_total_or_with_too_few_points_answers_404_saying_why()
    {
        var noTotal = await UploadAsync("steps.log", Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(1, 20).Select(i => $"Step {i * 10}: loss={3 - i * 0.05:0.000}, lr=1.00e-04")) + "\n"));
        var response = await _server.Client.GetAsync($"/api/runs/{noTotal}/forecast?key=train/loss");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("total steps", await response.Content.ReadAsStringAsync());

        var id = await UploadAsync("half_run.log", HalfRun());
        var eval = await _server.Client.GetAsync($"/api/runs/{id}/forecast?key=eval/loss"); // 5 evaluations up to iteration 800
        Assert.Equal(HttpStatusCode.NotFound, eval.StatusCode);
        Assert.Contains("finite points", await eval.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/runs/nope/forecast?key=train/loss")).StatusCode);
    }

    [Fact]
    public async Task To_target_gives_step_tokens_and_time_where_reached_and_an_estimate_where_not()
    {
        var full = await UploadAsync("mlx_lm_lora_run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"));
        var half = await UploadAsync("half_run.log", HalfRun());

        var answer = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/compare/to-target?runs={full},{half}&key=train/loss&target=1.45");

        var runs = answer.GetProperty("runs").EnumerateArray().ToList();
        var reached = runs.Single(r => r.GetProperty("id").GetString() == full);
        Assert.True(reached.GetProperty("reached").GetBoolean());
        var step = reached.GetProperty("step").GetInt64();
        Assert.Equal(1000, step); // 1.429: the first train loss under 1.45
        Assert.True(reached.GetProperty("tokens").GetDouble() > 0);
        Assert.True(reached.GetProperty("seconds").GetDouble() > 0);
        var notYet = runs.Single(r => r.GetProperty("id").GetString() == half);
        Assert.Equal("not reached", notYet.GetProperty("status").GetString());
        Assert.Contains("not reached by step 900", notYet.GetProperty("note").GetString());
        Assert.Equal(JsonValueKind.Null, notYet.GetProperty("step").ValueKind);
        Assert.Equal(JsonValueKind.Null, notYet.GetProperty("tokens").ValueKind);
    }

    [Fact]
    public async Task To_target_without_a_number_is_a_bad_request()
    {
        var id = await UploadAsync("half_run.log", HalfRun());
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.GetAsync($"/api/compare/to-target?runs={id}&key=train/loss&target=low")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/compare/to-target?runs=nope&target=1.5")).StatusCode);
    }

    [Fact]
    public async Task Provenance_answers_the_raw_line_and_its_context()
    {
        var id = await UploadAsync("mlx_lm_lora_run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"));

        var answer = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/provenance?key=train/loss&step=100");

        Assert.Equal("mlx_lm_lora_run3.log", answer.GetProperty("file").GetString());
        Assert.Equal(9, answer.GetProperty("line").GetInt32());
        Assert.StartsWith("Iter 100: Train loss 1.987", answer.GetProperty("text").GetString());
        Assert.Equal(7, answer.GetProperty("context").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync($"/api/runs/{id}/provenance?key=train/loss&step=101")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.GetAsync($"/api/runs/{id}/provenance?key=train/loss")).StatusCode);
    }

    [Fact]
    public async Task Seed_noise_groups_runs_by_settings_without_the_seed()
    {
        async Task<string> Run(string lr, int seed, double final) => await UploadAsync($"lr{lr}_seed{seed}.log", Encoding.UTF8.GetBytes(
            $"[Config] learning_rate={lr} seed={seed}\n" + string.Join('\n', Enumerable.Range(1, 10).Select(i => $"Step {i * 10}: loss={(final + (10 - i) * 0.1).ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}")) + "\n"));
        var ids = new[] { await Run("1e-4", 1, 1.50), await Run("1e-4", 2, 1.52), await Run("1e-4", 3, 1.54), await Run("2e-4", 1, 1.30) };

        var answer = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/compare/seed-noise?runs={string.Join(',', ids)}&key=train/loss");

        var groups = answer.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Contains(groups, g => g.GetProperty("runs").GetArrayLength() == 3 && Math.Abs(g.GetProperty("stdDev").GetDouble() - 0.02) < 1e-9);
        var comparison = Assert.Single(answer.GetProperty("comparisons").EnumerateArray());
        Assert.True(comparison.GetProperty("significant").GetBoolean());
    }
}
