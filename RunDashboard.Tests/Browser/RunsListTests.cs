using System.Net.Http.Headers;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class RunsListTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
        await UploadAsync("alpha-run", "vision", Fixture.Bytes("mlx_lm_lora_run3.log"));
        await UploadAsync("beta-run", "language", Fixture.Bytes("mlx_lm_problems.log"));
    }

    private Task UploadAsync(string name, string project, byte[] bytes) => _server.UploadAsync(name + ".log", bytes, name, project);

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Lists_runs_and_filters_them_by_text()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 700 } });
        await page.GotoAsync(_server.BaseUrl + "/");
        await Support.Browser.WaitForInteractiveAsync(page);

        var rows = page.Locator("#runs-grid tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        Assert.Contains("1.379", await page.Locator("#runs-grid tbody tr", new PageLocatorOptions { HasText = "alpha-run" }).InnerTextAsync());
        await Support.Browser.ScreenshotAsync(page, "runs-list-light");

        await page.GetByPlaceholder("Filter by name, project, tag…").FillAsync("language");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync("beta-run");
    }

    [Fact]
    public async Task The_theme_toggle_switches_to_dark_and_the_choice_survives_a_reload()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 700 } });
        await page.GotoAsync(_server.BaseUrl + "/");
        await Support.Browser.WaitForInteractiveAsync(page);
        var light = await BackgroundAsync(page);

        await page.Locator("#theme-toggle").ClickAsync();
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor !== '{light}'");
        var dark = await BackgroundAsync(page);
        await Support.Browser.ScreenshotAsync(page, "runs-list-dark");

        await page.ReloadAsync();
        Assert.Equal(dark, await BackgroundAsync(page)); // prerendered dark, before any script runs
        Assert.NotEqual(light, dark);
    }

    [Theory]
    [InlineData(1440, 900)]
    [InlineData(390, 844)]
    public async Task The_first_page_of_runs_is_shown_before_any_script_runs(int width, int height)
    {
        // No script: what shows is the prerendered HTML alone, before (or without) the live connection.
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { JavaScriptEnabled = false, ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.BaseUrl + "/");

        var rows = page.Locator("#runs-grid tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#runs-grid a", new PageLocatorOptions { HasText = "alpha-run" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#runs-grid a", new PageLocatorOptions { HasText = "beta-run" })).ToBeVisibleAsync();
        await Support.Browser.ScreenshotAsync(page, $"runs-list-prerendered-{width}");
        await context.CloseAsync();
    }

    private static Task<string> BackgroundAsync(IPage page) =>
        page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
