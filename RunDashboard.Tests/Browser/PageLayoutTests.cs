using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

/// <summary>Every page on a laptop and on a phone, in both themes.</summary>
[Trait("Category", "Browser")]
public class PageLayoutTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    public static TheoryData<string, int, int, bool> Pages()
    {
        var data = new TheoryData<string, int, int, bool>();
        foreach (var page in new[] { "runs", "run", "compare", "upload", "sync" })
        {
            foreach (var (w, h) in new[] { (1440, 900), (390, 844) })
            {
                data.Add(page, w, h, false);
                data.Add(page, w, h, true);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task No_page_scrolls_sideways(string name, int width, int height, bool dark)
    {
        var page = await fx.OpenAsync(fx.PathOf(name), width, height, dark);
        if (name is "run" or "compare") await Support.Browser.WaitForChartsAsync(page);
        if (name is "runs") await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(3);

        var (scroll, inner) = await SizesAsync(page);
        await Support.Browser.ScreenshotAsync(page, $"page-{name}-{width}-{(dark ? "dark" : "light")}");
        var wide = scroll <= inner ? "" : await page.EvaluateAsync<string>(@"() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
            .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= innerWidth + 1)
            .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')");
        Assert.True(scroll <= inner, $"{name} at {width} px is {scroll} px wide: {wide}");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task No_page_has_serious_or_critical_accessibility_violations(string name, int width, int height, bool dark)
    {
        var page = await fx.OpenAsync(fx.PathOf(name), width, height, dark);
        if (name is "run" or "compare") await Support.Browser.WaitForChartsAsync(page);

        // axe-core ships inside the package and runs in the page; WCAG 2.1 A and AA rules.
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(4).Select(n => n.Target + " " + n.Html[..Math.Min(80, n.Html.Length)]))}")
            .ToList();
        Assert.True(bad.Count == 0, $"{name} at {width} px, {(dark ? "dark" : "light")}:\n" + string.Join("\n", bad));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task On_a_phone_the_pages_are_in_a_menu_and_the_theme_toggle_is_on_screen(bool dark)
    {
        var page = await fx.OpenAsync("/", 390, 844, dark);
        await Assertions.Expect(page.Locator("#nav-wide")).ToBeHiddenAsync();
        var toggle = await page.Locator("#theme-toggle").BoundingBoxAsync();
        Assert.NotNull(toggle);
        Assert.True(toggle.X >= 0 && toggle.X + toggle.Width <= 390, $"the theme toggle is at x {toggle.X}");

        await page.Locator("#nav-menu button").First.ClickAsync();
        var upload = page.GetByRole(AriaRole.Menuitem, new PageGetByRoleOptions { Name = "Upload" });
        await Assertions.Expect(upload).ToBeVisibleAsync();
        await page.WaitForTimeoutAsync(400); // the menu fades in; the screenshot shows it settled
        await Support.Browser.ScreenshotAsync(page, $"phone-menu-{(dark ? "dark" : "light")}");
        await upload.ClickAsync();
        await page.WaitForURLAsync("**/upload");
    }

    [Fact]
    public async Task The_sync_project_field_is_wide_enough_to_read_on_a_phone()
    {
        var page = await fx.OpenAsync("/sync", 390, 844, false);
        var box = await page.Locator("#new-project").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.Width >= 200, $"the entity/project field is {box.Width} px wide");
    }

    [Fact]
    public async Task The_runs_list_fits_a_laptop_screen_with_long_names_cut_and_named_on_hover()
    {
        var page = await fx.OpenAsync("/", 1440, 900, false);
        var name = page.Locator("#runs-grid a[title]", new PageLocatorOptions { HasText = "250904-215942" });
        await Assertions.Expect(name).ToHaveAttributeAsync("title", BrowserFixture.LongName);

        var table = await page.EvaluateAsync<double[]>("() => { const c = document.querySelector('#runs-grid .mud-table-container'); return [c.scrollWidth, c.clientWidth]; }");
        Assert.True(table[0] <= table[1], $"the table is {table[0]} px wide in a {table[1]} px box");
        var nameWidth = (await name.BoundingBoxAsync())!.Width;
        Assert.True(nameWidth < 400, $"the long name takes {nameWidth} px");
        await Support.Browser.ScreenshotAsync(page, "runs-list-1440-long-names");
    }

    [Theory]
    [InlineData(1440, 900)]
    [InlineData(390, 844)]
    public async Task The_copied_link_message_covers_no_share_button(int width, int height)
    {
        var page = await fx.OpenAsync($"/runs/{fx.Lora}", width, height, false);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var message = page.Locator(".mud-snackbar");
        for (var attempt = 1; ; attempt++)
        {
            await page.Locator("#copy-link").ClickAsync();
            try
            {
                await message.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
        var box = (await message.First.BoundingBoxAsync())!;
        foreach (var id in new[] { "#copy-link", "#copy-short-link" })
        {
            var button = (await page.Locator(id).BoundingBoxAsync())!;
            var overlaps = box.X < button.X + button.Width && button.X < box.X + box.Width && box.Y < button.Y + button.Height && button.Y < box.Y + box.Height;
            Assert.False(overlaps, $"the message at ({box.X}, {box.Y}) covers {id} at ({button.X}, {button.Y})");
        }
        await Support.Browser.ScreenshotAsync(page, $"snackbar-{width}");
    }

    private static async Task<(double Scroll, double Inner)> SizesAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<double[]>("() => [document.documentElement.scrollWidth, innerWidth]");
        return (sizes[0], sizes[1]);
    }
}
