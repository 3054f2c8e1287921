using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using RunDashboard.Core;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Support;

/// <summary>A bUnit context with the app's own service registrations over a LiteDB file of its own.</summary>
public static class PageContext
{
    public static (BunitContext Context, RunStore Store) Create(TempDirectory dir, string databaseName)
    {
        var ctx = new BunitContext();
        ctx.Services.Configure<StorageOptions>(o => o.DatabasePath = dir.File(databaseName));
        ctx.Services.AddLogging();
        ctx.Services.AddRunDashboardCore(dir.Path);
        ctx.Services.AddDashboardUi();
        ctx.Services.AddMudServices();
        ctx.JSInterop.Mode = JSRuntimeMode.Loose;
        // Pages hold write controls in AuthorizeView; the test user is anonymous, so they stay hidden.
        ctx.AddAuthorization();
        return (ctx, ctx.Services.GetRequiredService<RunStore>());
    }
}
