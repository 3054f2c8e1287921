using Microsoft.Playwright;

namespace RunDashboard.Tests.Support;

/// <summary>Debian's Chromium driven by Playwright; Playwright's own browser download is never used.</summary>
public static class Browser
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic",
            ],
        });
        return (playwright, browser);
    }

    /// <summary>A page in a fresh context (no cookies, as a colleague opening a pasted link), live and ready.</summary>
    public static async Task<IPage> OpenAsync(IBrowser browser, string baseUrl, string path, bool dark = false)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        if (dark) await context.AddCookiesAsync([new Cookie { Name = "rd-theme", Value = "dark", Url = baseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(baseUrl + path);
        await WaitForInteractiveAsync(page);
        return page;
    }

    /// <summary>Waits until Blazor's live connection is up, so clicks and file inputs reach the server.</summary>
    public static Task WaitForInteractiveAsync(IPage page) =>
        page.Locator("#rd-interactive").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });

    /// <summary>
    /// Sets the page's file input until the page shows it took the files. Blazor wires the input up just after
    /// the connection comes up, and a selection made in that instant is lost; a person would simply pick again.
    /// </summary>
    public static async Task ChooseFilesAsync(IPage page, ILocator shownWhenTaken, params string[] paths)
    {
        // Blazor's InputFile script marks its element once it listens for changes.
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('input[type=file]'); return i && i._blazorInputFileNextFileId !== undefined; }",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("input[type=file]").SetInputFilesAsync(paths);
            try
            {
                await shownWhenTaken.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
    }

    /// <summary>Pages write their state with history.replaceState: there is no load event to wait for.</summary>
    public static readonly PageWaitForURLOptions SameDocument = new() { WaitUntil = WaitUntilState.Commit, Timeout = 15_000 };

    /// <summary>
    /// Sets a switch until the link shows it. A click in the instant after the connection comes up can be lost
    /// between the prerendered and the live page; a person would click again.
    /// </summary>
    public static async Task SetSwitchAsync(IPage page, ILocator checkbox, bool on, string urlPart)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (on) await checkbox.CheckAsync(); else await checkbox.UncheckAsync();
            try
            {
                await page.WaitForURLAsync(u => u.Contains(urlPart), new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 5_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
                // A late toggle has taken by now; flipping the switch back would undo it.
                if (page.Url.Contains(urlPart)) return;
                if (on) await checkbox.UncheckAsync(new LocatorUncheckOptions { Force = true }); else await checkbox.CheckAsync(new LocatorCheckOptions { Force = true });
            }
        }
    }

    /// <summary>
    /// Clicks until the link shows the click took. A click in the instant after the connection comes up can be lost
    /// between the prerendered and the live page; a person would click again.
    /// </summary>
    public static Task ClickUntilUrlAsync(IPage page, ILocator target, string urlPart) => ClickUntilUrlAsync(page, target, u => u.Contains(urlPart));

    /// <summary>Clicks until the address matches, as a person clicks again when a click made while the page was busy did nothing.</summary>
    public static async Task ClickUntilUrlAsync(IPage page, ILocator target, Func<string, bool> matches)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A click that took late (a busy server answers after the wait below) has already changed the address,
            // and often removed the element it clicked: clicking it again would wait for an element that is gone.
            if (matches(page.Url)) return;
            if (attempt == 1 || await target.IsVisibleAsync()) await target.ClickAsync();
            try
            {
                await page.WaitForURLAsync(matches, new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit, Timeout = 5_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 6)
            {
            }
        }
    }

    /// <summary>Waits until every chart on the page is drawn (later charts are drawn a moment after the first).</summary>
    public static Task WaitForChartsAsync(IPage page) =>
        page.WaitForFunctionAsync("() => [...document.querySelectorAll('.rd-chart')].every(c => c.querySelector('svg.main-svg'))",
            null, new PageWaitForFunctionOptions { Timeout = 30_000 });

    /// <summary>Screenshots go under the test output (TestResults/screenshots), kept as CI artifacts.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }
}
