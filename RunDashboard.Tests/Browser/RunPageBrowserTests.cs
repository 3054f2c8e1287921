using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

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
            _ids[fixture] = await UploadAsync(_server, fixture);
        }
    }

    internal static async Task<string> UploadAsync(DashboardServer server, string fixture, string? name = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Fixture.Bytes(fixture));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", fixture);
        if (name is not null) form.Add(new StringContent(name), "name");
        var response = await server.Client.PostAsync("/api/uploads", form);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("runs")[0].GetProperty("id").GetString()!;
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(string path, bool dark = false)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        if (dark) await context.AddCookiesAsync([new Cookie { Name = "rd-theme", Value = "dark", Url = _server.BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.BaseUrl + path);
        await Support.Browser.WaitForInteractiveAsync(page);
        return page;
    }

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
        await page.Locator("#panel-lr input[type=checkbox]").CheckAsync();
        await page.WaitForURLAsync(u => u.Contains("loglr=true"));
        await page.Locator("#panel-components input[type=checkbox]").CheckAsync();
        await page.WaitForURLAsync(u => u.Contains("share=true"));
        await page.WaitForFunctionAsync(LrAxisIsLog);
        var link = page.Url;

        var fresh = await OpenAsync(new Uri(link).PathAndQuery);
        await Assertions.Expect(fresh.Locator("#panel-lr input[type=checkbox]")).ToBeCheckedAsync();
        await Assertions.Expect(fresh.Locator("#panel-components input[type=checkbox]")).ToBeCheckedAsync();
        await fresh.WaitForFunctionAsync(LrAxisIsLog);
        Assert.Equal(4, await fresh.Locator("#chart-components g.trace.bars").CountAsync());
    }

    private const string LrAxisIsLog = "() => document.getElementById('chart-lr')?._fullLayout?.yaxis?.type === 'log'";
}
