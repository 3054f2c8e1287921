using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class RunPageLayoutTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(1440, 900, false)]
    [InlineData(1440, 900, true)]
    [InlineData(390, 844, false)]
    [InlineData(390, 844, true)]
    public async Task A_run_with_eleven_findings_shows_a_chart_in_the_first_screen(int width, int height, bool dark)
    {
        var page = await fx.OpenAsync($"/runs/{fx.Distill}", width, height, dark);
        var chart = page.Locator("#chart-loss svg.main-svg").First;
        await Assertions.Expect(chart).ToBeVisibleAsync();

        var top = await page.EvaluateAsync<double>("() => document.getElementById('chart-loss').getBoundingClientRect().top");
        Assert.True(top < height - 150, $"the loss chart starts at {top} px, below the first {height} px screen");
        // The summary names the counts and at most two concerns; the rest wait behind a button.
        await Assertions.Expect(page.Locator("#panel-health [data-count=warning]")).ToContainTextAsync("9 warnings");
        await Assertions.Expect(page.Locator("#panel-health .rd-finding-line")).ToHaveCountAsync(2);
        await Support.Browser.WaitForChartsAsync(page);
        await Support.Browser.ScreenshotAsync(page, $"run-findings-{width}-{(dark ? "dark" : "light")}");
    }

    [Fact]
    public async Task Eval_six_times_train_and_the_gap_are_one_concern()
    {
        var page = await fx.OpenAsync($"/runs/{fx.Distill}", 1440, 900, false);
        var lead = page.Locator("#panel-health .rd-finding-line").First;
        await Assertions.Expect(lead).ToHaveAttributeAsync("data-rule", "final-metrics");
        await Assertions.Expect(lead).ToContainTextAsync("+1 like it");

        await Support.Browser.ClickUntilUrlAsync(page, page.Locator("#health-toggle"), "findings=all");
        // The whole list is rendered over the live connection after the click; a full test run on two cores once took
        // longer than Playwright's default 5 s for it.
        var rendered = new LocatorAssertionsToHaveCountOptions { Timeout = 20_000 };
        var overfitting = page.Locator("#health-all [data-concern=overfitting] [data-rule]");
        await Assertions.Expect(overfitting).ToHaveCountAsync(2, rendered);
        await Assertions.Expect(page.Locator("#health-all [data-rule]")).ToHaveCountAsync(11, rendered);
    }

    [Fact]
    public async Task Show_step_scrolls_to_the_chart_and_marks_the_step()
    {
        var page = await fx.OpenAsync($"/runs/{fx.Distill}?findings=all", 1440, 900, false);
        // Start from the bottom, as after reading the findings and the tables.
        await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
        await page.Locator("#health-all a", new PageLocatorOptions { HasText = "show step 1118" }).ClickAsync();

        await page.WaitForURLAsync(u => u.Contains("mark=1118"), Support.Browser.SameDocument);
        await page.WaitForFunctionAsync("() => document.getElementById('chart-loss')?._fullLayout?.shapes?.length === 1");
        Assert.Equal(1118, await page.EvaluateAsync<double>("() => document.getElementById('chart-loss')._fullLayout.shapes[0].x0"));
        await page.WaitForFunctionAsync("() => { const r = document.getElementById('chart-loss').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }");
        await Support.Browser.ScreenshotAsync(page, "run-show-step-1118");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_log_learning_rate_axis_reads_whole_values_clear_of_its_title(bool dark)
    {
        var page = await fx.OpenAsync($"/runs/{fx.Distill}?loglr=true", 1440, 900, dark);
        await page.WaitForFunctionAsync("() => document.getElementById('chart-lr')?._fullLayout?.yaxis?.type === 'log'");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#chart-lr .ytick text').length > 0");

        var labels = await page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#chart-lr .ytick text')].map(t => t.textContent)");
        Assert.Equal(["2e-7", "5e-7", "1e-6", "2e-6", "5e-6"], labels);
        var gap = await page.EvaluateAsync<double>(@"() => {
            const title = document.querySelector('#chart-lr .ytitle').getBoundingClientRect();
            const ticks = [...document.querySelectorAll('#chart-lr .ytick text')].map(t => t.getBoundingClientRect().left);
            return Math.min(...ticks) - title.right; }");
        Assert.True(gap > 0, $"the axis title overlaps the tick labels by {-gap} px");
        await page.Locator("#panel-lr").ScreenshotAsync(new LocatorScreenshotOptions { Path = System.IO.Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots", $"log-lr-axis-{(dark ? "dark" : "light")}.png") });
    }
}
