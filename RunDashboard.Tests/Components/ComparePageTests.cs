using RunDashboard.Core.Analysis;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using RunDashboard.Components.Charts;
using RunDashboard.Components.Pages;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

public class ComparePageTests : IAsyncLifetime
{
    private readonly BunitContext _ctx;
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;
    private readonly string _run3, _run4, _mlx;

    public ComparePageTests()
    {
        (_ctx, _store) = PageContext.Create(_dir, "compare.db");
        var imports = new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System);
        var comparison = imports.ImportAsync([new UploadFile("training_runs_comparison.json", () => Fixture.Open("training_runs_comparison.json"))], new UploadOptions())
            .GetAwaiter().GetResult();
        _run3 = comparison.Runs.Single(r => r.Name.EndsWith("run3", StringComparison.Ordinal)).Id;
        _run4 = comparison.Runs.Single(r => r.Name.EndsWith("run4", StringComparison.Ordinal)).Id;
        _mlx = imports.ImportAsync([new UploadFile("mlx_lm_lora_run3.log", () => Fixture.Open("mlx_lm_lora_run3.log"))], new UploadOptions(Name: "mlx-run3"))
            .GetAwaiter().GetResult().Runs[0].Id;
    }

    private IRenderedComponent<Compare> RenderAt(string query)
    {
        _ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/compare?{query}");
        return _ctx.Render<Compare>();
    }

    [Fact]
    public void Each_run_is_drawn_raw_and_smoothed_in_its_own_colour()
    {
        var page = RenderAt($"runs={_run3},{_run4},{_mlx}&metric=train/loss&smooth=0.80&log=true");

        var chart = page.FindComponent<LineChart>().Instance;
        Assert.True(chart.LogY);
        Assert.Equal(4, chart.Traces.Count);
        Assert.Equal(["#1f77b4", "#1f77b4", "#2ca02c", "#2ca02c"], chart.Traces.Select(t => t.Color));
        Assert.Equal(0.25, chart.Traces[0].Opacity);
        Assert.Equal(1, chart.Traces[1].Opacity);
        Assert.Contains("SmolLM3-3B_run4 has no train/loss", page.Find("#missing-note").TextContent);
    }

    [Fact]
    public void Any_metric_that_only_grows_can_be_the_x_axis_on_a_log_scale()
    {
        var sft = new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("hf_sft_tty_capture.log", () => Fixture.Open("hf_sft_tty_capture.log"))], new UploadOptions())
            .GetAwaiter().GetResult().Runs[0].Id;

        var page = RenderAt($"runs={sft}&metric=train/loss&smooth=0&x=metric:train/epoch&logx=true");

        var chart = page.FindComponent<LineChart>().Instance;
        Assert.True(chart.LogX);
        Assert.Equal("train/epoch", chart.XTitle);
        var epochs = _store.GetSeries(sft, "train/epoch")!.Values;
        Assert.Equal(epochs[^1], chart.Traces[0].X[^1], 6);
        Assert.True(chart.Traces[0].X.Zip(chart.Traces[0].X.Skip(1)).All(p => p.First <= p.Second));
        // Loss goes down, so it is not offered as an axis; the epoch is.
        Assert.Contains("metric:train/epoch", page.FindComponents<MudBlazor.MudSelectItem<string>>().Select(i => i.Instance.Value));
        Assert.DoesNotContain("metric:train/loss", page.FindComponents<MudBlazor.MudSelectItem<string>>().Select(i => i.Instance.Value));
    }

    [Fact]
    public void Final_metrics_name_the_top_two_concerns_of_a_run_and_link_to_the_rest()
    {
        var distill = new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile("distill_progress.log", () => Fixture.Open("distill_progress.log"))], new UploadOptions())
            .GetAwaiter().GetResult().Runs[0].Id;

        var cell = RenderAt($"runs={_mlx},{distill}").Find($"#final-table td[data-run='{distill}']");

        Assert.Equal(["final-metrics", "components-sum"], cell.QuerySelectorAll("[data-rule]").Select(e => e.GetAttribute("data-rule")));
        var more = cell.QuerySelector("a")!;
        Assert.Equal($"/runs/{distill}?findings=all", more.GetAttribute("href"));
        Assert.Equal("all 9 on the run page", more.TextContent);
    }

    [Fact]
    public void Metrics_the_runs_share_are_small_panels_under_the_main_chart_and_a_link_can_name_them()
    {
        var page = RenderAt($"runs={_run3},{_mlx}&metric=train/loss");

        var panels = page.FindAll("#compare-panels [data-panel]").Select(p => p.GetAttribute("data-panel")).ToList();
        Assert.DoesNotContain("train/loss", panels); // already the big chart
        Assert.All(panels, key => Assert.True(_store.GetRun(_run3)!.FindMetric(key!) is not null && _store.GetRun(_mlx)!.FindMetric(key!) is not null));
        Assert.True(panels.Count is > 0 and <= Compare.DefaultPanelCount);

        var named = RenderAt($"runs={_run3},{_mlx}&metric=eval/loss&panels=train/loss,train/learning_rate");
        Assert.Equal(["train/loss", "train/learning_rate"], named.FindAll("#compare-panels [data-panel]").Select(p => p.GetAttribute("data-panel")));
        var lossPanel = named.FindComponents<LineChart>().Single(c => c.Instance.Id == "chart-panel-0").Instance;
        Assert.Equal(["#1f77b4", "#d95f02"], lossPanel.Traces.Select(t => t.Color)); // each run keeps its colour of the main chart
    }

    [Fact]
    public void The_diff_shows_only_differences_with_missing_keys_and_derived_rows()
    {
        var page = RenderAt($"runs={_run3},{_run4}");

        var rows = page.FindAll("#diff-table tbody tr").ToDictionary(r => r.GetAttribute("data-key")!, r => r.QuerySelectorAll("td").Select(td => td).ToList());
        Assert.DoesNotContain("model", rows.Keys);
        Assert.Equal(["4", "16"], rows["grad_accumulation_steps"].Skip(1).Select(td => td.TextContent));
        Assert.Contains("rd-changed", rows["grad_accumulation_steps"][2].ClassName);
        Assert.DoesNotContain("rd-changed", rows["grad_accumulation_steps"][1].ClassName ?? "");
        Assert.Equal("missing", rows["lora_dropout"][1].TextContent);
        Assert.Contains("rd-missing", rows["lora_dropout"][1].ClassName);
        Assert.Equal(["8", "32"], rows["effective batch size"].Skip(1).Select(td => td.TextContent));

        var all = RenderAt($"runs={_run3},{_run4}&all=true");
        Assert.Contains(all.FindAll("#diff-table tbody tr"), r => r.GetAttribute("data-key") == "model");
    }

    [Fact]
    public void Final_metrics_show_the_train_val_gap()
    {
        var page = RenderAt($"runs={_run3}");

        var text = page.Find("#panel-final").TextContent;
        Assert.Contains("1.443", text);
        Assert.Contains("1.629", text);
        Assert.Contains("12.9%", text);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }
}
