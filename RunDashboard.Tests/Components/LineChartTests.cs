using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components;
using RunDashboard.Components.Charts;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

public class LineChartTests : IAsyncLifetime
{
    private readonly BunitContext _ctx;
    private readonly TempDirectory _dir = new();

    public LineChartTests()
    {
        (_ctx, _) = PageContext.Create(_dir, "chart.db");
        _ctx.Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _dir.Dispose();
    }

    private const string Hostile = "</script><script>alert(1)</script><!-- & 'quoted'";

    [Fact]
    public void A_figure_in_the_prerendered_page_is_data_whose_names_cannot_end_its_script_element()
    {
        var chart = _ctx.Render<LineChart>(p => p
            .Add(x => x.Id, "chart-x")
            .Add(x => x.DrawBeforeLive, true)
            .Add(x => x.YTitle, Hostile)
            .Add(x => x.Traces, [new ChartTrace(Hostile, [1, 2, 3], [0.5, double.NaN, 0.25]) { HoverText = [Hostile, "b", "c"] }]));

        var script = chart.Find("script[data-figure-for=chart-x]");
        Assert.Equal("application/json", script.GetAttribute("type"));
        Assert.Empty(chart.FindAll("script:not([data-figure-for])"));
        // The element's text is the JSON exactly as written: no character of it can close the element or open markup.
        Assert.Equal(-1, script.TextContent.AsSpan().IndexOfAny("<>&"));
        using var figure = JsonDocument.Parse(script.TextContent);
        var trace = figure.RootElement.GetProperty("data")[0];
        // Plotly reads names as its HTML subset, so they arrive escaped and show as typed (as on the live chart).
        Assert.Equal(PlotlyText.Escape(Hostile), trace.GetProperty("name").GetString());
        Assert.Equal(PlotlyText.Escape(Hostile), trace.GetProperty("hovertext")[0].GetString());
        Assert.Equal(JsonValueKind.Null, trace.GetProperty("y")[1].ValueKind); // NaN is a gap
        Assert.Equal(PlotlyText.Escape(Hostile), figure.RootElement.GetProperty("layout").GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void A_chart_not_asked_to_draw_before_the_live_page_carries_no_figure()
    {
        var chart = _ctx.Render<LineChart>(p => p
            .Add(x => x.Id, "chart-y")
            .Add(x => x.Traces, [new ChartTrace("loss", [1, 2], [1, 2])]));

        Assert.Empty(chart.FindAll("script"));
        Assert.NotNull(chart.Find("#chart-y"));
    }
}
