using System.Globalization;
using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RunDashboard.Tests.Security;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

/// <summary>
/// The upload form sends the files from the browser to <c>POST /api/uploads</c>: progress while it sends, the
/// endpoint's report at the end, and a cancel that leaves nothing behind. Chromium's upload is slowed with its
/// network emulation so the sending lasts long enough to be seen and cancelled.
/// </summary>
[Trait("Category", "Browser")]
public class UploadProgressTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private readonly TempDirectory _dir = new();
    private string _log = "";

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
        _log = _dir.File("mlx_generated.log");
        WriteMlxLog(_log, 20_000); // about 3 MB
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static void WriteMlxLog(string path, int iterations)
    {
        var text = new StringBuilder();
        for (var it = 1; it <= iterations; it++)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture,
                $"Iter {it}: Train loss {2.5 / Math.Log(it + 2):F3}, Learning Rate 1.000e-05, It/sec 0.412, Tokens/sec 171.204, Trained Tokens {it * 420}, Peak mem 8.012 GB\n"));
        }
        File.WriteAllText(path, text.ToString());
    }

    private async Task<IPage> OpenSlowAsync(int width, int height, int bytesPerSecond)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        // The phone-sized runs use the dark theme, so both themes are seen (and checked for contrast).
        if (width < 600) await context.AddCookiesAsync([new Cookie { Name = "rd-theme", Value = "dark", Url = _server.BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.BaseUrl + "/upload");
        await Support.Browser.WaitForInteractiveAsync(page);
        var cdp = await context.NewCDPSessionAsync(page);
        await cdp.SendAsync("Network.enable");
        await cdp.SendAsync("Network.emulateNetworkConditions", new Dictionary<string, object>
        {
            ["offline"] = false, ["latency"] = 0, ["downloadThroughput"] = -1, ["uploadThroughput"] = bytesPerSecond,
        });
        return page;
    }

    [Theory]
    [InlineData(1440, 900)]
    [InlineData(390, 844)]
    public async Task The_form_posts_the_file_to_the_api_shows_its_progress_and_then_the_report(int width, int height)
    {
        var page = await OpenSlowAsync(width, height, 1024 * 1024);
        await Support.Browser.ChooseFilesAsync(page, page.Locator("#chosen-files"), _log);
        await page.GetByLabel("Run name (optional)").FillAsync("progress run");

        var request = page.WaitForRequestAsync(r => r.Url.EndsWith("/api/uploads", StringComparison.Ordinal) && r.Method == "POST");
        await page.Locator("#upload-submit").ClickAsync();
        Assert.StartsWith("multipart/form-data", (await request).Headers["content-type"]);

        // Part way: the bar and the live region say how far it is.
        await page.WaitForFunctionAsync("() => { const b = document.querySelector('#upload-progress [role=progressbar], #upload-progress'); const v = +(b && b.getAttribute('aria-valuenow')); return v > 0 && v < 100; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#upload-status")).ToContainTextAsync("Uploading");
        Assert.Equal("polite", await page.Locator("#upload-status").GetAttributeAsync("aria-live"));
        await Assertions.Expect(page.Locator("#upload-sent")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@" of .*\(\d+\.\d%\)"));
        await Support.Browser.ScreenshotAsync(page, $"upload-progress-{width}");
        await AssertNoSeriousAccessibilityProblemsAsync(page);

        var link = page.Locator("a.run-link", new PageLocatorOptions { HasText = "progress run" });
        await link.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        var report = await page.Locator("#upload-report").InnerTextAsync();
        Assert.Contains("MLX-LM", report);
        Assert.Contains("train/loss (20000 points)", report);
        Assert.Contains("became points", report);
        await Assertions.Expect(page.Locator("#upload-progress")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#chosen-files")).ToHaveCountAsync(0);
        await Support.Browser.ScreenshotAsync(page, $"upload-progress-report-{width}");
    }

    [Theory]
    [InlineData(1440, 900)]
    [InlineData(390, 844)]
    public async Task Cancel_stops_the_upload_and_leaves_no_run(int width, int height)
    {
        var page = await OpenSlowAsync(width, height, 256 * 1024);
        await Support.Browser.ChooseFilesAsync(page, page.Locator("#chosen-files"), _log);
        await page.Locator("#upload-submit").ClickAsync();
        await Assertions.Expect(page.Locator("#upload-cancel")).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = 15_000 });
        await page.WaitForFunctionAsync("() => +document.querySelector('#upload-progress').getAttribute('aria-valuenow') > 0",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });

        await page.Locator("#upload-cancel").ClickAsync();

        await Assertions.Expect(page.Locator("#upload-status")).ToContainTextAsync("cancelled");
        await Assertions.Expect(page.Locator("#upload-progress")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#upload-submit")).ToBeEnabledAsync(); // the file is still chosen: it can be sent again
        await Support.Browser.ScreenshotAsync(page, $"upload-cancelled-{width}");
        // The endpoint saw its request end: no run, no stored upload, now or a moment later.
        await Task.Delay(1500);
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/runs")).GetArrayLength());
        Assert.Equal(0, (await _server.Client.GetFromJsonElementAsync("/api/uploads")).GetArrayLength());
        await Assertions.Expect(page.Locator("#upload-report")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_answer_with_an_error_is_shown_as_the_endpoint_words_it()
    {
        var page = await OpenSlowAsync(1440, 900, -1);
        var empty = _dir.File("empty.log");
        await File.WriteAllTextAsync(empty, "");
        await Support.Browser.ChooseFilesAsync(page, page.Locator("#chosen-files"), empty);

        await page.Locator("#upload-submit").ClickAsync();

        var report = page.Locator("#upload-report");
        await Assertions.Expect(report).ToContainTextAsync("Nothing imported", new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        await Assertions.Expect(report).ToContainTextAsync("empty.log is empty");
        await Support.Browser.ScreenshotAsync(page, "upload-error-report");
    }

    private static async Task AssertNoSeriousAccessibilityProblemsAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(4).Select(n => n.Target + " " + n.Html[..Math.Min(80, n.Html.Length)]))}").ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }
}
