using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class KeyboardTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_first_run_is_a_few_tab_stops_away_with_the_skip_links(bool dark)
    {
        var page = await fx.OpenAsync("/", 1440, 900, dark);
        await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(3);

        // Past the app bar, then past the filters: four key presses.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await ActiveTextAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to the runs list", await ActiveTextAsync(page));
        await page.Keyboard.PressAsync("Enter");

        // From the list: the select-all box, then each row's box and its run's link.
        var presses = 0;
        var seen = new List<string>();
        while (presses < 6 && !await page.EvaluateAsync<bool>("() => !!document.activeElement.closest('#runs-grid tbody a')"))
        {
            await page.Keyboard.PressAsync("Tab");
            presses++;
            seen.Add(await page.EvaluateAsync<string>("() => document.activeElement.outerHTML.slice(0, 90)"));
        }
        Assert.True(await page.EvaluateAsync<bool>("() => !!document.activeElement.closest('#runs-grid tbody a')"), $"no run link after {presses} more tabs: {string.Join(" / ", seen)}");
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle + ' ' + getComputedStyle(document.activeElement).outlineWidth");
        Assert.Equal("solid 3px", outline);
        await Support.Browser.ScreenshotAsync(page, $"keyboard-focus-{(dark ? "dark" : "light")}");
    }

    private static Task<string> ActiveTextAsync(IPage page) => page.EvaluateAsync<string>("() => document.activeElement.textContent.trim()");
}
