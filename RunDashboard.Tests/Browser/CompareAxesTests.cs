using Microsoft.Playwright;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Browser;

[Trait("Category", "Browser")]
public class CompareAxesTests(BrowserFixture fx) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_compare_link_with_an_epoch_axis_on_a_log_scale_draws_it(bool dark)
    {
        var page = await fx.OpenAsync($"/compare?runs={fx.Dpo}&metric=train/loss&x=metric:train/epoch&logx=true&log=true", 1440, 900, dark);
        await page.WaitForFunctionAsync("() => document.getElementById('chart-compare')?._fullLayout?.xaxis?.type === 'log'");

        Assert.Equal("train/epoch", await page.EvaluateAsync<string>("() => document.getElementById('chart-compare')._fullLayout.xaxis.title.text"));
        await Assertions.Expect(page.Locator("#log-x")).ToBeCheckedAsync();
        // Every log y tick label reads as the value it marks (Plotly's own labels read "5" for 0.5).
        var ticks = await page.EvaluateAsync<double[][]>(@"() => document.getElementById('chart-compare')._fullLayout.yaxis._vals
            .map(v => [Math.pow(10, v.x), Number(v.text)])");
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(t[0], t[1], t[0] * 0.01));
        var xTicks = await page.EvaluateAsync<double[][]>(@"() => document.getElementById('chart-compare')._fullLayout.xaxis._vals
            .map(v => [Math.pow(10, v.x), Number(v.text)])");
        Assert.True(xTicks.Length >= 3, $"{xTicks.Length} x ticks");
        Assert.All(xTicks, t => Assert.Equal(t[0], t[1], t[0] * 0.01));
        await Support.Browser.ScreenshotAsync(page, $"compare-epoch-logx-{(dark ? "dark" : "light")}");
    }
}
