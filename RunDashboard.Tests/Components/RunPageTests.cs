using Bunit;
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
    private readonly BunitContext _ctx = new();
    private readonly TempDirectory _dir = new();
    private readonly RunStore _store;

    public RunPageTests()
    {
        _store = new RunStore(_dir.File("page.db"));
        _ctx.Services.AddSingleton(_store);
        _ctx.Services.AddMudServices();
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
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
        Assert.Equal(["train", "eval"], loss.Select(t => t.Name));
        Assert.Equal(36, loss[0].X.Count);
        Assert.False(loss[0].Markers);
        Assert.True(loss[1].Markers);
        Assert.Equal(2.901, loss[1].Y[0]);
        var lr = charts.Single(c => c.Instance.Id == "chart-lr").Instance.Traces;
        Assert.Equal(1e-05, Assert.Single(lr).Y[0]);
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
