using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class UploadFlowTests : IAsyncLifetime
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
    public async Task Uploading_a_log_through_the_form_shows_its_loss_chart()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await page.GotoAsync(_server.BaseUrl + "/upload");
        await Support.Browser.WaitForInteractiveAsync(page);

        await Support.Browser.ChooseFilesAsync(page, page.GetByText("mlx_lm_lora_run3.log").First, Fixture.PathOf("mlx_lm_lora_run3.log"));
        await page.GetByLabel("Project (optional)").FillAsync("smol");
        await page.GetByLabel("Run name (optional)").FillAsync("browser run");
        // The browser posts the file to the same endpoint scripts use, with the form's fields.
        var posted = page.WaitForRequestAsync(r => r.Url.EndsWith("/api/uploads", StringComparison.Ordinal) && r.Method == "POST");
        await page.Locator("#upload-submit").ClickAsync();
        Assert.StartsWith("multipart/form-data", (await posted).Headers["content-type"]);

        var link = page.Locator("a.run-link", new PageLocatorOptions { HasText = "browser run" });
        await link.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        Assert.Contains("MLX-LM", await page.Locator("#upload-report").InnerTextAsync());
        Assert.Contains("train/loss (36 points)", await page.Locator("#upload-report").InnerTextAsync());
        Assert.Contains("became points", await page.Locator("#upload-report").InnerTextAsync());
        await Support.Browser.ScreenshotAsync(page, "upload-report");

        await link.ClickAsync();
        await page.WaitForURLAsync("**/runs/*");
        var lossChart = page.Locator("[data-chart=chart-loss] svg.main-svg").First;
        await lossChart.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // Train, eval and the checkpoint markers; the lines are real SVG paths with points.
        var traces = page.Locator("[data-chart=chart-loss] .scatterlayer .trace");
        await Assertions.Expect(traces).ToHaveCountAsync(3);
        var path = await page.Locator("[data-chart=chart-loss] .scatterlayer .trace path.js-line").First.GetAttributeAsync("d");
        Assert.True(path is { Length: > 100 }, $"the loss line has no shape: '{path}'");
        Assert.Equal("browser run", await page.Locator("#run-name").InnerTextAsync());
        await Support.Browser.ScreenshotAsync(page, "run-page");
    }

    [Fact]
    public async Task A_stored_upload_is_listed_and_deleted_with_its_run_after_confirming()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await page.GotoAsync(_server.BaseUrl + "/upload");
        await Support.Browser.WaitForInteractiveAsync(page);
        await Support.Browser.ChooseFilesAsync(page, page.GetByText("generic_colon_pairs.log").First, Fixture.PathOf("generic_colon_pairs.log"));
        await page.GetByLabel("Step field (optional, e.g. num_updates)").FillAsync("step");
        await page.Locator("#upload-submit").ClickAsync();
        var row = page.Locator("#stored-uploads tbody tr", new PageLocatorOptions { HasText = "generic_colon_pairs.log" });
        await row.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // The generic reader's reading is shown: the shape with a sample line, its step and its keys.
        var readings = await page.Locator(".upload-readings").InnerTextAsync();
        Assert.Contains("step: 100 | loss: 2.3100", readings);
        Assert.Contains("train/loss", readings);
        await Support.Browser.ScreenshotAsync(page, "upload-stored-list");

        await row.GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete upload generic_colon_pairs.log" }).ClickAsync();
        var confirm = page.Locator(".mud-dialog").GetByRole(AriaRole.Button, new LocatorGetByRoleOptions { Name = "Delete", Exact = true });
        await confirm.WaitForAsync(new LocatorWaitForOptions { Timeout = 15_000 });
        await Support.Browser.ScreenshotAsync(page, "upload-delete-confirm");
        await confirm.ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = 15_000 });
        var runs = await _server.Client.GetStringAsync("/api/runs");
        Assert.DoesNotContain("generic_colon_pairs", runs);

        // On a phone the form and the list fit the screen: nothing scrolls sideways.
        await page.SetViewportSizeAsync(390, 844);
        await page.WaitForTimeoutAsync(300);
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        var (scrollWidth, innerWidth) = (widths[0], widths[1]);
        Assert.True(scrollWidth <= innerWidth, $"the upload page scrolls sideways at 390 px ({scrollWidth} > {innerWidth})");
        await Support.Browser.ScreenshotAsync(page, "upload-phone");
    }
}
