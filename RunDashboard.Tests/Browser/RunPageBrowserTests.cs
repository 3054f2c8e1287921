using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class RunPageBrowserTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly Dictionary<string, string> _ids = [];

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
        foreach (var fixture in new[] { "mlx_lm_lora_run3.log", "trl_dpo_stdout.log", "distill_progress.log" })
        {
            _ids[fixture] = await _server.UploadFixtureAsync(fixture);
        }
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private Task<IPage> OpenAsync(string path, bool dark = false) => Support.Browser.OpenAsync(_browser, _server.BaseUrl, path, dark);

    [Fact]
    public async Task A_lora_run_shows_loss_learning_rate_tokens_throughput_and_memory_charts()
    {
        var page = await OpenAsync($"/runs/{_ids["mlx_lm_lora_run3.log"]}");

        foreach (var chart in new[] { "loss", "lr", "tokens", "throughput", "memory" })
        {
            await Assertions.Expect(page.Locator($"#chart-{chart} svg.main-svg").First).ToBeVisibleAsync();
        }
        // Train, eval and the checkpoint markers are drawn as three traces.
        await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter")).ToHaveCountAsync(3);
        await Support.Browser.ScreenshotAsync(page, "run-page-lora-light");

        var dark = await OpenAsync($"/runs/{_ids["mlx_lm_lora_run3.log"]}", dark: true);
        await Assertions.Expect(dark.Locator("#chart-loss svg.main-svg").First).ToBeVisibleAsync();
        await Support.Browser.ScreenshotAsync(dark, "run-page-lora-dark");
    }

    [Fact]
    public async Task A_dpo_run_shows_reward_margins_and_a_distillation_run_its_loss_components()
    {
        var dpo = await OpenAsync($"/runs/{_ids["trl_dpo_stdout.log"]}");
        await Assertions.Expect(dpo.Locator("#chart-rewards svg.main-svg").First).ToBeVisibleAsync();
        await Assertions.Expect(dpo.Locator("#run-method")).ToHaveTextAsync("DPO");
        await Support.Browser.ScreenshotAsync(dpo, "run-page-dpo-light");

        var distill = await OpenAsync($"/runs/{_ids["distill_progress.log"]}", dark: true);
        await Assertions.Expect(distill.Locator("#chart-components g.trace.bars")).ToHaveCountAsync(4);
        await Support.Browser.ScreenshotAsync(distill, "run-page-distill-dark");
    }

    [Fact]
    public async Task Toggles_are_kept_in_the_link_and_a_fresh_browser_opening_it_sees_the_same_view()
    {
        var page = await OpenAsync($"/runs/{_ids["distill_progress.log"]}");
        await Support.Browser.SetSwitchAsync(page, page.Locator("#panel-lr input[type=checkbox]"), true, "loglr=true");
        await Support.Browser.SetSwitchAsync(page, page.Locator("#panel-components input[type=checkbox]"), true, "share=true");
        await page.WaitForFunctionAsync(LrAxisIsLog);
        var link = page.Url;

        var fresh = await OpenAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(fresh.Locator("#panel-lr input[type=checkbox]")).ToBeCheckedAsync();
        await Assertions.Expect(fresh.Locator("#panel-components input[type=checkbox]")).ToBeCheckedAsync();
        await fresh.WaitForFunctionAsync(LrAxisIsLog);
        await Assertions.Expect(fresh.Locator("#chart-components g.trace.bars")).ToHaveCountAsync(4);
    }

    [Fact]
    public async Task Zooming_a_chart_puts_the_range_in_the_link_and_reads_it_again_at_full_detail()
    {
        var page = await OpenAsync($"/runs/{_ids["mlx_lm_lora_run3.log"]}");
        await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter").First).ToBeVisibleAsync();

        // The chart listens for zooms once Plotly.Blazor has subscribed, a moment after it is drawn.
        await page.WaitForFunctionAsync("() => !!document.getElementById('chart-loss')?._ev?._events?.plotly_relayout");

        // What a drag-zoom on the chart does; on a loaded machine the live connection can still be wiring the chart up,
        // and a person whose first zoom did nothing zooms again.
        for (var attempt = 1; ; attempt++)
        {
            await page.EvaluateAsync("() => Plotly.relayout('chart-loss', { 'xaxis.range[0]': 400, 'xaxis.range[1]': 1000 })");
            try
            {
                await page.WaitForURLAsync(u => u.Contains("from=400") && u.Contains("to=1000"),
                    new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 4)
            {
                await page.EvaluateAsync("() => Plotly.relayout('chart-loss', { 'xaxis.autorange': true })");
            }
        }
        await Assertions.Expect(page.Locator("#zoom-note")).ToContainTextAsync("Showing steps 400–1000");
        // Only the points in range are on the chart now (train loss every 50 steps: 400…1000 is 13 points).
        await page.WaitForFunctionAsync("() => document.getElementById('chart-loss').data[0].x.length === 13");
        await Support.Browser.ClickUntilUrlAsync(page, page.Locator("#zoom-note a"), u => !u.Contains("from="));
        await page.WaitForFunctionAsync("() => document.getElementById('chart-loss').data[0].x.length === 36");
    }

    [Fact]
    public async Task An_open_run_page_redraws_when_its_log_grows_without_a_reload()
    {
        var lines = System.Text.Encoding.UTF8.GetString(Fixture.Bytes("mlx_lm_lora_run3.log")).Split('\n');
        async Task<string> UploadLines(int n) =>
            (await _server.UploadAsync("live.log", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines.Take(n)) + "\n"), "live-run"))[0]
                .GetProperty("id").GetString()!;
        var id = await UploadLines(25);
        var page = await OpenAsync($"/runs/{id}");
        await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter").First).ToBeVisibleAsync();
        var before = await page.EvaluateAsync<int>("() => document.getElementById('chart-loss').data[0].x.length");
        await page.EvaluateAsync("() => window.rdNoReload = true");

        Assert.Equal(id, await UploadLines(lines.Length));

        await page.WaitForFunctionAsync("() => document.getElementById('chart-loss').data[0].x.length === 36");
        Assert.True(before < 36);
        Assert.True(await page.EvaluateAsync<bool>("() => window.rdNoReload === true")); // same document: no reload
        await Assertions.Expect(page.GetByText("1800 steps", new PageGetByTextOptions { Exact = false })).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_loss_chart_is_drawn_from_the_prerendered_page_before_the_live_connection_and_stays_drawn_when_it_comes()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        // The live connection is held back: until it is released the page has only what the prerendered HTML carried.
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/_blazor/negotiate**", async route =>
        {
            await release.Task;
            await route.ContinueAsync();
        });

        await page.GotoAsync($"{_server.BaseUrl}/runs/{_ids["mlx_lm_lora_run3.log"]}");

        await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter")).ToHaveCountAsync(3);
        Assert.Equal(0, await page.Locator("#rd-interactive").CountAsync());
        Assert.Equal(36, await page.EvaluateAsync<int>("() => document.getElementById('chart-loss').data.find(t => t.name === 'train').x.length"));

        // Every frame from here until the live chart listens for zooms must show the loss chart: the live page
        // replaces the prerendered elements, and the chart is drawn again before that is painted.
        await page.EvaluateAsync("() => { window.rdBlankFrames = 0; const f = () => { if (!document.querySelector('#chart-loss g.trace.scatter')) window.rdBlankFrames++; requestAnimationFrame(f); }; requestAnimationFrame(f); }");
        release.SetResult();
        await Support.Browser.WaitForInteractiveAsync(page);
        await page.WaitForFunctionAsync("() => !!document.getElementById('chart-loss')?._ev?._events?.plotly_relayout");
        await Support.Browser.WaitForChartsAsync(page);
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.rdBlankFrames"));
        await Assertions.Expect(page.Locator("#chart-loss g.trace.scatter")).ToHaveCountAsync(3);
        await context.CloseAsync();
    }

    private const string LrAxisIsLog = "() => document.getElementById('chart-lr')?._fullLayout?.yaxis?.type === 'log'";
}
