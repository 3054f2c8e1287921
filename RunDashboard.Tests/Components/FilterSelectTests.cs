using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using RunDashboard.Components.Runs;

namespace RunDashboard.Tests.Components;

public class FilterSelectTests : IAsyncLifetime
{
    private readonly BunitContext _ctx = new();

    public FilterSelectTests()
    {
        _ctx.Services.AddMudServices();
        _ctx.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    [Fact]
    public async Task Offers_any_then_the_options_and_reports_any_as_no_filter()
    {
        string? chosen = "unset";
        var select = _ctx.Render<FilterSelect>(p => p.Add(c => c.Label, "Project").Add(c => c.Name, "project").Add(c => c.Value, "lab")
            .Add(c => c.Options, ["lab", "<b>home</b>"]).Add(c => c.ValueChanged, v => chosen = v));

        var mud = select.FindComponent<MudSelect<string>>();
        Assert.Equal(["", "lab", "<b>home</b>"], select.FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value));
        Assert.Equal("lab", mud.Instance.Value);
        Assert.Equal("filter-project", mud.Instance.UserAttributes["id"]);

        await select.InvokeAsync(() => mud.Instance.ValueChanged.InvokeAsync(""));
        Assert.Null(chosen);
        await select.InvokeAsync(() => mud.Instance.ValueChanged.InvokeAsync("<b>home</b>"));
        Assert.Equal("<b>home</b>", chosen);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _ctx.DisposeAsync();
}
