using Bunit;
using RunDashboard.Components.Runs;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

public class ForecastPanelTests : IAsyncLifetime
{
    private readonly BunitContext _ctx;
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;

    public ForecastPanelTests() => (_ctx, _store) = PageContext.Create(_dir, "forecast.db");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _dir.Dispose();
    }

    private Core.Model.Run Import(string name, byte[] bytes) =>
        new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(name, () => new MemoryStream(bytes))], new UploadOptions())
            .GetAwaiter().GetResult().Runs[0];

    [Fact]
    public void A_run_with_a_configured_total_shows_the_forecast_to_it()
    {
        var run = Import("mlx_lm_lora_run3.log", Fixture.Bytes("mlx_lm_lora_run3.log"));

        var panel = _ctx.Render<ForecastPanel>(p => p.Add(x => x.Run, run));

        var caption = panel.Find("#forecast-caption").TextContent;
        Assert.Contains("reached its configured end (step 1,800, iters) at 1.558", caption); // the log's last eval loss
        Assert.Contains("band", caption);
    }

    [Fact]
    public void A_run_still_going_shows_the_forecast_to_its_end_and_the_time_left()
    {
        var lines = System.Text.Encoding.UTF8.GetString(Fixture.Bytes("mlx_lm_lora_run3.log")).Split('\n');
        var cut = Array.FindIndex(lines, l => l.StartsWith("Iter 950:", StringComparison.Ordinal));
        var run = Import("half.log", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(cut)) + "\n"));

        var caption = _ctx.Render<ForecastPanel>(p => p.Add(x => x.Run, run)).Find("#forecast-caption").TextContent;

        Assert.Contains("at step 1,800 (iters)", caption);
        Assert.Contains("left (last logged iterations per second)", caption);
    }

    [Fact]
    public void A_run_without_a_total_shows_nothing()
    {
        var run = Import("steps.log", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(1, 20).Select(i => $"Step {i * 10}: loss={3 - i * 0.05:0.000}")) + "\n"));

        var panel = _ctx.Render<ForecastPanel>(p => p.Add(x => x.Run, run));

        Assert.Empty(panel.FindAll("#forecast"));
    }
}
