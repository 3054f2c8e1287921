using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

public class SeriesEndpointTests : IAsyncLifetime
{
    private const int Points = 20_000;
    private DashboardServer _server = null!;
    private string _id = "";

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        // An MLX-LM log with a loss spike at iteration 12345.
        var log = new StringBuilder();
        for (var i = 1; i <= Points; i++)
        {
            var loss = i == 12_345 ? 99.0 : 2.0 - i * 0.00005;
            log.Append(CultureInfo.InvariantCulture, $"Iter {i}: Train loss {loss:F5}, Learning Rate 1.000e-05, It/sec 0.400, Tokens/sec 180.000, Trained Tokens {i * 400}, Peak mem 8.000 GB\n");
        }
        _id = (await _server.UploadAsync("long.log", Encoding.UTF8.GetBytes(log.ToString())))[0].GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonElement> GetAsync(string url)
    {
        var response = await _server.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task With_points_the_series_comes_back_as_at_most_that_many_buckets_with_min_max_and_total()
    {
        var json = await GetAsync($"/api/runs/{_id}/series?key=train/loss&points=500");

        var steps = json.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToList();
        Assert.InRange(steps.Count, 400, 500);
        Assert.Equal(Points, json.GetProperty("total").GetInt64());
        Assert.Equal(steps.Count, json.GetProperty("min").GetArrayLength());
        Assert.Equal(steps.Count, json.GetProperty("max").GetArrayLength());
        Assert.Equal(Points, steps[^1]);
        // The spike is inside one bucket: gone from the last values, kept in that bucket's max.
        Assert.Equal(99.0, json.GetProperty("max").EnumerateArray().Max(e => e.GetDouble()));
        Assert.True(json.GetProperty("values").EnumerateArray().Max(e => e.GetDouble()) < 3);
    }

    [Fact]
    public async Task A_range_is_served_at_full_fidelity_when_it_fits()
    {
        var json = await GetAsync($"/api/runs/{_id}/series?key=train/loss&points=1000&from=12000&to=12500");

        var steps = json.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToList();
        Assert.Equal(501, steps.Count);
        Assert.Equal(501, json.GetProperty("total").GetInt64());
        Assert.Equal(12000, steps[0]);
        Assert.Equal(12500, steps[^1]);
        Assert.Equal(99.0, json.GetProperty("values")[345].GetDouble());
    }

    [Fact]
    public async Task Without_points_every_point_comes_back_as_before()
    {
        var json = await GetAsync($"/api/runs/{_id}/series?key=train/loss");

        Assert.Equal(Points, json.GetProperty("steps").GetArrayLength());
        Assert.False(json.TryGetProperty("total", out _));
    }

    [Fact]
    public async Task Several_runs_come_back_together_for_a_compare_chart()
    {
        var json = await GetAsync($"/api/series?runs={_id},{_id}&key=train/loss&points=200");

        Assert.Equal(2, json.GetArrayLength());
        Assert.Equal(_id, json[0].GetProperty("run").GetString());
        Assert.InRange(json[0].GetProperty("series").GetProperty("steps").GetArrayLength(), 150, 200);
    }

    [Fact]
    public async Task Bad_points_and_unknown_runs_are_clear_errors()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await _server.Client.GetAsync($"/api/runs/{_id}/series?key=train/loss&points=0")).StatusCode);
        var missing = await _server.Client.GetAsync("/api/series?runs=nope&key=train/loss");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_runs_query_filters_and_pages_on_the_server()
    {
        var json = await GetAsync("/api/runs/query?q=long&method=SFT&pageSize=10");

        Assert.Equal(1, json.GetProperty("total").GetInt32());
        Assert.Equal("SFT", json.GetProperty("items")[0].GetProperty("method").GetString());
        Assert.Equal(0, (await GetAsync("/api/runs/query?method=DPO")).GetProperty("total").GetInt32());
    }
}
