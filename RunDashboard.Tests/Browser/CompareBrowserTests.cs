using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class CompareBrowserTests : IAsyncLifetime
{
    private DashboardServer _server = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private string _run3 = "", _run4 = "", _mlx = "";

    public async Task InitializeAsync()
    {
        _server = await DashboardServer.StartAsync();
        (_playwright, _browser) = await Support.Browser.LaunchAsync();
        var runs = await _server.UploadAsync("training_runs_comparison.json", Fixture.Bytes("training_runs_comparison.json"));
        _run3 = runs.EnumerateArray().Single(r => r.GetProperty("name").GetString()!.EndsWith("run3")).GetProperty("id").GetString()!;
        _run4 = runs.EnumerateArray().Single(r => r.GetProperty("name").GetString()!.EndsWith("run4")).GetProperty("id").GetString()!;
        _mlx = await _server.UploadFixtureAsync("mlx_lm_lora_run3.log", "mlx-run3");
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _server.DisposeAsync();
    }

    private Task<IPage> OpenAsync(string path, bool dark = false) => Support.Browser.OpenAsync(_browser, _server.BaseUrl, path, dark);

    [Fact]
    public async Task A_compare_link_with_state_opens_the_same_chart_and_highlights_the_differences()
    {
        var page = await OpenAsync($"/compare?runs={_run3},{_run4},{_mlx}&metric=train/loss&smooth=0.80&log=true");

        // Two runs with train/loss, each drawn raw (faint) and smoothed; run4 logged no metrics and is named as missing.
        await page.WaitForFunctionAsync(FourTraces);
        await page.WaitForFunctionAsync("() => document.getElementById('chart-compare')?._fullLayout?.yaxis?.type === 'log'");
        var colors = await page.EvaluateAsync<string[]>("() => document.getElementById('chart-compare').data.map(t => t.line.color)");
        Assert.Equal(["#1f77b4", "#1f77b4", "#2ca02c", "#2ca02c"], colors);
        await Assertions.Expect(page.Locator("#missing-note")).ToContainTextAsync("SmolLM3-3B_run4 has no train/loss");

        await Support.Browser.ScreenshotAsync(page, "compare-light");

        // The two runs of the comparison fixture: the diff of their settings.
        page = await OpenAsync($"/compare?runs={_run3},{_run4}");
        var accumulation = page.Locator("#diff-table tr[data-key=grad_accumulation_steps] td");
        await Assertions.Expect(accumulation.Nth(1)).ToHaveTextAsync("4");
        await Assertions.Expect(accumulation.Nth(2)).ToHaveTextAsync("16");
        await Assertions.Expect(accumulation.Nth(2)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("rd-changed"));
        await Assertions.Expect(page.Locator("#diff-table tr[data-key=lora_dropout] td").Nth(1)).ToHaveTextAsync("missing");
        await Assertions.Expect(page.Locator("#diff-table tr[data-key='effective batch size'] td").Nth(2)).ToHaveTextAsync("32");
        // Only differences by default: the shared model name is not a row.
        await Assertions.Expect(page.Locator("#diff-table tr[data-key=model]")).ToHaveCountAsync(0);

        await Support.Browser.SetSwitchAsync(page, page.Locator("#panel-diff input[type=checkbox]"), false, "all=true");
        await Assertions.Expect(page.Locator("#diff-table tr[data-key=model]")).ToHaveCountAsync(1);

        var fresh = await OpenAsync(new Uri(page.Url).PathAndQuery, dark: true);
        await Assertions.Expect(fresh.Locator("#diff-table tr[data-key=model]")).ToHaveCountAsync(1);
        await Assertions.Expect(fresh.Locator("#panel-diff input[type=checkbox]")).Not.ToBeCheckedAsync();
        await Assertions.Expect(fresh.Locator("#chart-compare g.trace.scatter").First).ToBeVisibleAsync();
        await Support.Browser.ScreenshotAsync(fresh, "compare-dark");
    }

    private const string FourTraces = "() => document.getElementById('chart-compare')?.data?.length === 4 && document.querySelectorAll('#chart-compare g.trace').length === 4";

    [Fact]
    public async Task Runs_selected_in_the_list_open_together_in_compare()
    {
        var page = await OpenAsync("/");
        await page.Locator("#runs-grid tbody tr", new PageLocatorOptions { HasText = "SmolLM3-3B_run3" }).Locator("input[type=checkbox]").CheckAsync();
        await page.Locator("#runs-grid tbody tr", new PageLocatorOptions { HasText = "mlx-run3" }).Locator("input[type=checkbox]").CheckAsync();
        // The button counts the ticked runs, as a person sees before pressing it.
        await Assertions.Expect(page.Locator("#compare-selected")).ToContainTextAsync("(2)");
        await page.Locator("#compare-selected").ClickAsync();

        // Polled, not awaited as an event: the router's pushState can land before a wait for it starts.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/compare\\?runs=[^&]+,[^&]+"));
        Assert.Contains(_run3, page.Url);
        Assert.Contains(_mlx, page.Url);
        await page.WaitForFunctionAsync(FourTraces);
    }

    [Fact]
    public async Task Filters_and_hidden_columns_of_the_runs_list_are_in_the_link()
    {
        var page = await OpenAsync("/?project=uploads&hide=tags,created");
        await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#runs-grid thead")).Not.ToContainTextAsync("Created");

        await page.GetByPlaceholder("Filter by name, project, tag…").FillAsync("run4");
        await page.WaitForURLAsync(u => u.Contains("q=run4"), Support.Browser.SameDocument);
        await Assertions.Expect(page.Locator("#runs-grid tbody tr")).ToHaveCountAsync(1);
        await Support.Browser.ScreenshotAsync(page, "runs-list-filtered");

        var fresh = await OpenAsync(new Uri(page.Url).PathAndQuery);
        await Assertions.Expect(fresh.Locator("#runs-grid tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(fresh.Locator("#runs-grid tbody tr").First).ToContainTextAsync("SmolLM3-3B_run4");
    }
}
