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

public class RunPageTests : IAsyncLifetime
{
    private readonly BunitContext _ctx;
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;

    public RunPageTests()
    {
        (_ctx, _store) = PageContext.Create(_dir, "page.db");
        // As on a live circuit; the prerender tests below render as the server's static prerender does.
        _ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private string Import(string fixture, string? name = null) =>
        new ImportService(_store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(fixture, () => Fixture.Open(fixture))], new UploadOptions("smol", name, ["lora"]))
            .GetAwaiter().GetResult().Runs[0].Id;

    [Fact]
    public void Shows_the_run_header()
    {
        var id = Import("mlx_lm_lora_run3.log", "SmolLM3 run 3");

        var page = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));

        Assert.Equal("SmolLM3 run 3", page.Find("#run-name").TextContent);
        Assert.Contains("smol", page.Markup);
        Assert.Contains("lora", page.Markup);
        Assert.Contains("1800 steps", page.Markup);
    }

    [Fact]
    public void Puts_train_and_eval_loss_on_one_chart_and_learning_rate_on_another()
    {
        var id = Import("mlx_lm_lora_run3.log");

        var page = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));

        var charts = page.FindComponents<LineChart>();
        var loss = charts.Single(c => c.Instance.Id == "chart-loss").Instance.Traces;
        Assert.Equal(["train", "eval", "checkpoints"], loss.Select(t => t.Name));
        Assert.Equal(36, loss[0].X.Count);
        Assert.False(loss[0].Markers);
        Assert.True(loss[1].Markers);
        Assert.Equal(2.901, loss[1].Y[0]);
        var lr = charts.Single(c => c.Instance.Id == "chart-lr").Instance.Traces;
        Assert.Equal(1e-05, Assert.Single(lr).Y[0]);
    }

    [Fact]
    public void Shows_only_the_panels_whose_data_exists()
    {
        var mlx = Import("mlx_lm_lora_run3.log");
        var dpo = Import("trl_dpo_stdout.log");
        var distill = Import("distill_progress.log");

        Assert.Equal(["loss", "lr", "tokens", "throughput", "memory"], PanelIds(mlx));
        Assert.Contains("rewards", PanelIds(dpo));
        Assert.DoesNotContain("tokens", PanelIds(dpo));
        Assert.DoesNotContain("rewards", PanelIds(mlx));
        Assert.Contains("components", PanelIds(distill));
        Assert.DoesNotContain("components", PanelIds(mlx));
    }

    [Fact]
    public void Reward_accuracies_sit_on_their_own_axis()
    {
        var id = Import("trl_dpo_stdout.log");

        var rewards = Chart(id, "chart-rewards");
        Assert.Equal(["chosen", "rejected", "margins", "accuracies"], rewards.Select(t => t.Name));
        Assert.True(rewards.Single(t => t.Name == "accuracies").SecondAxis);
        Assert.All(rewards.Where(t => t.Name != "accuracies"), t => Assert.False(t.SecondAxis));
    }

    [Fact]
    public void Loss_components_stack_with_the_unexplained_rest_as_other_and_can_show_shares()
    {
        var id = Import("distill_progress.log");

        var absolute = Chart(id, "chart-components");
        Assert.Equal(["attention", "feature", "kd", "other"], absolute.Select(t => t.Name));
        // Eval at step 2000 of the distillation fixture: loss 95.86 = kd 14.85 + feature 41.22 + attention 0.47 + 39.32 unexplained.
        var at2000 = absolute.Select(t => t.Y[t.X.ToList().IndexOf(2000)]).ToList();
        Assert.Equal(95.86, at2000.Sum(), 6);
        Assert.Equal(39.32, at2000[3], 6);

        var share = RenderAt(id, "share=true")
            .FindComponents<LineChart>().Single(c => c.Instance.Id == "chart-components").Instance.Traces;
        Assert.Equal(1.0, share.Select(t => t.Y[t.X.ToList().IndexOf(2000)]).Sum(), 6);
        Assert.Equal(14.85 / 95.86, share.Single(t => t.Name == "kd").Y[share[0].X.ToList().IndexOf(2000)], 6);
    }

    [Fact]
    public void A_warning_from_the_log_is_a_marker_at_its_step_on_the_loss_chart()
    {
        var id = Import("distill_progress.log");

        var warnings = Chart(id, "chart-loss").Single(t => t.Name == "warnings");
        Assert.Contains(1118.0, warnings.X);
        Assert.True(warnings.MarkersOnly);
    }

    [Fact]
    public void Other_metrics_are_grouped_by_prefix_and_collapsed_until_opened_from_the_url()
    {
        var id = Import("trl_dpo_stdout.log");

        var closed = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));
        Assert.Contains("logps/", closed.Find("#other-metrics").TextContent);
        Assert.DoesNotContain(closed.FindComponents<LineChart>(), c => c.Instance.Id.StartsWith("chart-m-logps", StringComparison.Ordinal));

        var open = RenderAt(id, "open=logps");
        Assert.Contains(open.FindComponents<LineChart>(), c => c.Instance.Id == "chart-m-logps-chosen");
    }

    [Fact]
    public void The_hyperparameter_search_from_the_url_filters_the_table()
    {
        var id = Import("distill_progress.log");

        var page = RenderAt(id, "hp=alpha_kd");

        var rows = page.FindAll("#hp-table tbody tr");
        Assert.Single(rows);
        Assert.Contains("0.7", rows[0].TextContent);
    }

    /// <summary>Opens the page as a pasted link would: the state comes from the query string.</summary>
    private IRenderedComponent<RunPage> RenderAt(string id, string query)
    {
        _ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/runs/{id}?{query}");
        return _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));
    }

    [Fact]
    public void The_health_panel_shows_the_seed_003_diagnoses_with_links_to_their_steps()
    {
        var id = Import("distill_progress.log");

        var panel = RenderAt(id, "findings=all").Find("#panel-health");

        var rules = panel.QuerySelectorAll("[data-rule]").Select(e => e.GetAttribute("data-rule")).ToList();
        Assert.Contains("log-warning", rules);
        Assert.Contains("eval-train-ratio", rules);
        Assert.Contains("component-weight", rules);
        Assert.Contains("components-sum", rules);
        Assert.Contains(panel.QuerySelectorAll("a"), a => a.GetAttribute("href")!.Contains("from=", StringComparison.Ordinal) && a.TextContent == "show step 1118");
    }

    [Fact]
    public void A_log_cut_short_of_its_configured_steps_is_not_called_finished()
    {
        var cut = Import("distill_progress.log");
        var done = Import("mlx_lm_lora_run3.log");

        // Step 2065 of 4676 optimizer steps, uploaded a moment ago: it may still grow. The MLX-LM log reached iters=1800.
        var state = _ctx.Render<RunPage>(p => p.Add(x => x.Id, cut)).Find("#run-state");
        Assert.Equal("running", state.TextContent.Trim());
        Assert.Equal("finished", _ctx.Render<RunPage>(p => p.Add(x => x.Id, done)).Find("#run-state").TextContent.Trim());
    }

    [Fact]
    public void The_closed_health_summary_counts_findings_by_severity_and_shows_the_top_two_concerns()
    {
        var id = Import("distill_progress.log");

        var panel = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id)).Find("#panel-health");

        Assert.Equal("9 warnings", panel.QuerySelector("[data-count=warning]")!.TextContent);
        Assert.Equal("2 notes", panel.QuerySelector("[data-count=info]")!.TextContent);
        var lines = panel.QuerySelectorAll(".rd-finding-line");
        Assert.Equal(2, lines.Length);
        // The gap and the eval/train ratio say the same thing: one line, the gap leading.
        Assert.Equal("final-metrics", lines[0].GetAttribute("data-rule"));
        Assert.Contains("+1 like it", lines[0].TextContent);
        Assert.Contains("Show all 11 findings", panel.QuerySelector("#health-toggle")!.TextContent);
    }

    private List<string> PanelIds(string id) =>
        _ctx.Render<RunPage>(p => p.Add(x => x.Id, id)).FindAll("[id^=panel-]").Select(e => e.Id!["panel-".Length..])
            .Where(p => p is not ("hyperparameters" or "metrics" or "events" or "health")).ToList();

    private IReadOnlyList<ChartTrace> Chart(string id, string chart) =>
        _ctx.Render<RunPage>(p => p.Add(x => x.Id, id)).FindComponents<LineChart>().Single(c => c.Instance.Id == chart).Instance.Traces;

    [Fact]
    public void The_prerendered_page_carries_the_loss_chart_figure_for_the_browser_to_draw_before_the_live_connection()
    {
        var id = Import("mlx_lm_lora_run3.log");
        _ctx.Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        var page = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));

        // Only the first chart: the others are drawn by the live page a moment later.
        var script = Assert.Single(page.FindAll("script[type='application/json'][data-figure-for]"));
        Assert.Equal("chart-loss", script.GetAttribute("data-figure-for"));
        Assert.NotNull(page.Find(".rd-chart[data-chart=chart-loss] #chart-loss"));
        using var figure = System.Text.Json.JsonDocument.Parse(script.TextContent);
        var data = figure.RootElement.GetProperty("data");
        // Train (with its min/max band traces before it), eval and the checkpoints, as the live chart draws them.
        Assert.Equal(["train", "eval", "checkpoints"], data.EnumerateArray().Where(t => t.TryGetProperty("name", out _)).Select(t => t.GetProperty("name").GetString()));
        var train = data.EnumerateArray().Single(t => t.TryGetProperty("name", out var n) && n.GetString() == "train");
        Assert.Equal(36, train.GetProperty("x").GetArrayLength());
        Assert.Equal("scatter", train.GetProperty("type").GetString());
        Assert.Equal(340, figure.RootElement.GetProperty("layout").GetProperty("height").GetInt32());
        Assert.True(figure.RootElement.GetProperty("config").GetProperty("responsive").GetBoolean());
    }

    [Fact]
    public void The_forecast_is_left_out_of_the_prerendered_page_and_shown_once_the_page_is_live()
    {
        var id = Import("mlx_lm_lora_run3.log");

        _ctx.Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var prerendered = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));
        Assert.Empty(prerendered.FindAll("#forecast"));

        _ctx.Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var live = _ctx.Render<RunPage>(p => p.Add(x => x.Id, id));
        live.WaitForAssertion(() => Assert.Contains("configured end", live.Find("#forecast-caption").TextContent));
        // The live page draws its charts itself and carries no copy of a figure.
        Assert.Empty(live.FindAll("script[data-figure-for]"));
    }

    [Fact]
    public void An_unknown_id_says_so_instead_of_failing()
    {
        var page = _ctx.Render<RunPage>(p => p.Add(x => x.Id, "missing"));

        Assert.Contains("No run with id", page.Markup);
        Assert.Empty(page.FindComponents<LineChart>());
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are only async-disposable, so the context must be disposed asynchronously.
    public async Task DisposeAsync()
    {
        await _ctx.DisposeAsync();
        _store.Dispose();
        _dir.Dispose();
    }
}
