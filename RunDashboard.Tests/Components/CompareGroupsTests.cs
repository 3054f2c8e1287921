using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using RunDashboard.Components.Charts;
using RunDashboard.Components.Pages;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

/// <summary>The compare page with the four runs of <see cref="SeedSweep"/>: two settings, two seeds each.</summary>
public class CompareGroupsTests : IAsyncLifetime
{
    private readonly BunitContext _ctx;
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly string[] _ids;

    public CompareGroupsTests()
    {
        (_ctx, _store) = PageContext.Create(_dir, "groups.db");
        var report = new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(SeedSweep.FileName, () => new MemoryStream(SeedSweep.Bytes()))], new UploadOptions())
            .GetAwaiter().GetResult();
        _ids = SeedSweep.Runs.Select(r => report.Runs.Single(x => x.Name == r.Name).Id).ToArray();
    }

    private IRenderedComponent<Compare> RenderAt(string query)
    {
        _ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/compare?{query}");
        return _ctx.Render<Compare>();
    }

    private static LineChart MainChart(IRenderedComponent<Compare> page) =>
        page.FindComponents<LineChart>().Single(c => c.Instance.Id == "chart-compare").Instance;

    [Fact]
    public void Each_group_is_one_line_at_its_members_mean_with_a_min_max_band_in_its_own_colour()
    {
        var page = RenderAt($"runs={string.Join(',', _ids)}&metric=train/loss&smooth=0&group=settings");

        var traces = MainChart(page).Traces;
        Assert.Equal(["learning_rate=1E-05, optimizer=adamw (2)", "learning_rate=3E-05, optimizer=lion (2)"], traces.Select(t => t.Name));
        Assert.Equal(["#1f77b4", "#d95f02"], traces.Select(t => t.Color));
        // At step 50 both members of the first group logged: the line is their mean, the band their lowest and highest.
        var low = Math.Round(SeedSweep.Loss("1e-05", -0.08, 50), 4);
        var high = Math.Round(SeedSweep.Loss("1e-05", 0.08, 50), 4);
        var first = traces[0];
        Assert.Equal(50, first.X[0]);
        Assert.Equal((low + high) / 2, first.Y[0], 9);
        Assert.Equal(low, first.BandMin![0], 9);
        Assert.Equal(high, first.BandMax![0], 9);
        Assert.Contains("sweep-lr1e-5-s1, sweep-lr1e-5-s2", first.HoverText![0]);
        // The second seed of the higher rate stopped at step 800; after it the group is its one remaining run.
        var second = traces[1];
        var at900 = second.X.ToList().IndexOf(900);
        Assert.Equal(second.BandMin![at900], second.BandMax![at900]);
        Assert.Contains("1 of 2 runs", second.HoverText![at900]);
        Assert.Equal(2, page.FindAll("#group-table tbody tr").Count);
    }

    [Fact]
    public void A_std_band_from_the_link_is_drawn_around_the_mean()
    {
        var page = RenderAt($"runs={string.Join(',', _ids)}&metric=train/loss&smooth=0&group=config:learning_rate&band=std");

        var first = MainChart(page).Traces[0];
        var mean = first.Y[0];
        // Two members 0.16 apart: their sample standard deviation is 0.16 / √2.
        Assert.Equal(mean - 0.16 / Math.Sqrt(2), first.BandMin![0], 4);
        Assert.Equal(mean + 0.16 / Math.Sqrt(2), first.BandMax![0], 4);
        Assert.Contains("±1 std", first.HoverText![0]);
    }

    [Fact]
    public void Without_a_grouping_every_run_is_drawn_as_before()
    {
        var page = RenderAt($"runs={string.Join(',', _ids)}&metric=train/loss&smooth=0");

        Assert.Equal(4, MainChart(page).Traces.Count);
        Assert.Empty(page.FindAll("#group-table"));
    }

    [Fact]
    public void The_parallel_coordinates_panel_has_an_axis_per_differing_setting_and_the_chosen_final_metric_last()
    {
        var page = RenderAt($"runs={string.Join(',', _ids)}&final=train/loss");

        var chart = page.FindComponent<ParallelCoordinates>();
        Assert.Equal(["learning_rate", "optimizer", "seed", "final train/loss"], chart.Instance.View.Axes.Select(a => a.Label));
        Assert.Equal(4, chart.FindAll("polyline").Count);
        // The run with the lowest final loss is drawn at the blue end of the scale.
        var lowest = _ids[Array.IndexOf(SeedSweep.Runs.Select(r => r.Name).ToArray(), "sweep-lr3e-5-s2")];
        Assert.Equal("#1f77b4", chart.Find($"polyline[data-run='{lowest}']").GetAttribute("stroke"));
    }

    [Fact]
    public void The_parallel_coordinates_default_to_the_final_validation_loss()
    {
        var page = RenderAt($"runs={string.Join(',', _ids)}");

        Assert.Equal("final eval/loss", page.FindComponent<ParallelCoordinates>().Instance.View.Axes[^1].Label);
    }

    [Fact]
    public void Names_and_settings_in_the_parallel_coordinates_are_text_not_markup()
    {
        var view = new ParallelView(["r1", "r2"],
            [new ParallelAxis("<b>opt</b>", [0, 1], ["<img src=x onerror=alert(1)>", "adamw"]), new ParallelAxis("final eval/loss", [1.0, 2.0])],
            "eval/loss", []);

        var chart = _ctx.Render<ParallelCoordinates>(p => p.Add(c => c.Id, "pc").Add(c => c.View, view)
            .Add(c => c.Names, new Dictionary<string, string> { ["r1"] = "<script>alert(1)</script>", ["r2"] = "b" }));

        Assert.Empty(chart.FindAll("script"));
        Assert.Empty(chart.FindAll("img"));
        Assert.Empty(chart.FindAll("b"));
        Assert.Contains("<script>alert(1)</script>: <b>opt</b> = <img src=x onerror=alert(1)>", chart.Find("polyline[data-run=r1] title").TextContent);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }
}
