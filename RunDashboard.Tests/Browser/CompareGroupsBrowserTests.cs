using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using RunDashboard.Tests.Components;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

/// <summary>Four runs of a seed sweep grouped into two lines with bands, and the parallel-coordinates panel, on a laptop and a phone in both themes.</summary>
[Trait("Category", "Browser")]
public class CompareGroupsBrowserTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string[] _ids = [];

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
        var runs = await _server.UploadAsync(SeedSweep.FileName, SeedSweep.Bytes());
        _ids = SeedSweep.Runs.Select(r => runs.EnumerateArray().Single(j => j.GetProperty("name").GetString() == r.Name).GetProperty("id").GetString()!).ToArray();
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<IPage> OpenAsync(string path, int width, int height, bool dark)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        if (dark) await context.AddCookiesAsync([new Cookie { Name = "rd-theme", Value = "dark", Url = _server.BaseUrl }]);
        var page = await context.NewPageAsync();
        await page.GotoAsync(_server.BaseUrl + path);
        await Support.Browser.WaitForInteractiveAsync(page);
        return page;
    }

    [Theory]
    [InlineData(1440, 900, false)]
    [InlineData(1440, 900, true)]
    [InlineData(390, 844, false)]
    [InlineData(390, 844, true)]
    public async Task Runs_grouped_by_everything_but_the_seed_are_two_lines_with_bands_beside_a_parallel_coordinates_panel(int width, int height, bool dark)
    {
        var page = await OpenAsync($"/compare?runs={string.Join(',', _ids)}&metric=train/loss&smooth=0&group=settings", width, height, dark);
        await Support.Browser.WaitForChartsAsync(page);

        // Two groups, each a mean line with a filled band (two band edges and the line: three traces per group).
        var chart = await page.EvaluateAsync<string[]>("() => document.getElementById('chart-compare').data.filter(t => t.showlegend !== false).map(t => t.name)");
        Assert.Equal(["learning_rate=1E-05, optimizer=adamw (2)", "learning_rate=3E-05, optimizer=lion (2)"], chart);
        var fills = await page.EvaluateAsync<int>("() => document.getElementById('chart-compare').data.filter(t => t.fill === 'tonexty').length");
        Assert.Equal(2, fills);
        await Assertions.Expect(page.Locator("#group-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#group-table tbody tr").First).ToContainTextAsync("sweep-lr1e-5-s1, sweep-lr1e-5-s2");
        // The members are named on hover.
        var hover = await page.EvaluateAsync<string>("() => document.getElementById('chart-compare').data.find(t => t.hovertext).hovertext[0]");
        Assert.Contains("sweep-lr1e-5-s1, sweep-lr1e-5-s2", hover);

        // Parallel coordinates: the differing settings (output paths left out) and the final val loss last, one line per run.
        var parallel = page.Locator("#chart-parallel");
        await Assertions.Expect(parallel).ToBeVisibleAsync();
        await Assertions.Expect(parallel.Locator("polyline")).ToHaveCountAsync(4);
        var axes = await parallel.Locator("g.rd-parallel-axis").EvaluateAllAsync<string[]>("gs => gs.map(g => g.dataset.axis)");
        Assert.Equal(["learning_rate", "optimizer", "seed", "final eval/loss"], axes);

        var sizes = await page.EvaluateAsync<double[]>("() => [document.documentElement.scrollWidth, innerWidth]");
        await Support.Browser.ScreenshotAsync(page, $"compare-groups-{width}-{(dark ? "dark" : "light")}");
        Assert.True(sizes[0] <= sizes[1], $"the page is {sizes[0]} px wide at {sizes[1]} px");

        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {string.Join(" | ", v.Nodes.Take(4).Select(n => n.Target + " " + n.Html[..Math.Min(80, n.Html.Length)]))}")
            .ToList();
        Assert.True(bad.Count == 0, string.Join("\n", bad));
    }

    [Fact]
    public async Task The_grouping_and_band_chosen_on_the_page_are_in_the_link_and_reopen_it()
    {
        var page = await OpenAsync($"/compare?runs={string.Join(',', _ids)}&metric=train/loss", 1440, 900, false);
        await Support.Browser.WaitForChartsAsync(page);

        await PickAsync(page, "#group-select", "learning_rate");
        await page.WaitForURLAsync(u => u.Contains("group=config%3Alearning_rate"), Support.Browser.SameDocument);
        await PickAsync(page, "#band-select", "mean ± 1 standard deviation");
        await page.WaitForURLAsync(u => u.Contains("band=std"), Support.Browser.SameDocument);

        var fresh = await OpenAsync(new Uri(page.Url).PathAndQuery, 1440, 900, false);
        await Support.Browser.WaitForChartsAsync(fresh);
        await Assertions.Expect(fresh.Locator("#group-table tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(fresh.Locator("#group-table tbody tr").First).ToContainTextAsync("learning_rate=1E-05");
        var hover = await fresh.EvaluateAsync<string>("() => document.getElementById('chart-compare').data.find(t => t.hovertext).hovertext[0]");
        Assert.Contains("±1 std", hover);
    }

    /// <summary>Opens a select and picks an option by its text, opening it again if the first click came before the page listened.</summary>
    private static async Task PickAsync(IPage page, string select, string option)
    {
        var item = page.GetByRole(AriaRole.Option, new PageGetByRoleOptions { Name = option, Exact = true });
        for (var attempt = 1; ; attempt++)
        {
            // A MudSelect's id is on its hidden input; a person clicks the field around it.
            await page.Locator("div.mud-select").Filter(new LocatorFilterOptions { Has = page.Locator(select) }).Last.ClickAsync();
            try
            {
                await item.WaitForAsync(new LocatorWaitForOptions { Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
        await item.ClickAsync();
    }
}
