using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

public class ForecastBrowserTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task The_run_page_draws_the_forecast_as_a_dashed_extension_with_its_band()
    {
        var id = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log");

        var page = await Support.Browser.OpenAsync(_browser, _server.BaseUrl, $"/runs/{id}");

        await Assertions.Expect(page.Locator("#chart-forecast svg.main-svg").First).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => (document.getElementById('chart-forecast')?.data ?? []).some(t => t.name === 'forecast' && t.line && t.line.dash === 'dash')");
        await Assertions.Expect(page.Locator("#forecast-caption")).ToContainTextAsync("step 1,800");
    }
}
