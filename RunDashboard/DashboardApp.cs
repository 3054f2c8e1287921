using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using MudBlazor.Services;
using RunDashboard.Components;
using RunDashboard.Core;
using RunDashboard.Core.Storage;
using RunDashboard.Endpoints;

namespace RunDashboard;

/// <summary>The composition root. Tests build the same app with their own arguments (port, database path).</summary>
public static class DashboardApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, string? contentRoot = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Named explicitly so the static web asset manifests are found when a test host is the entry assembly.
            ApplicationName = typeof(DashboardApp).Assembly.GetName().Name,
            ContentRootPath = contentRoot,
        });
        // Package assets (_content/MudBlazor, _content/Plotly.Blazor) are served from the build output in every
        // environment, not only Development: the dashboard never loads anything from the internet.
        builder.WebHost.UseStaticWebAssets();

        var maxUpload = builder.Configuration.GetValue<long?>("Uploads:MaxFileBytes") ?? 2L * 1024 * 1024 * 1024;
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = maxUpload);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxUpload);

        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Analysis.TagRuleOptions>(builder.Configuration.GetSection(RunDashboard.Core.Analysis.TagRuleOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Analysis.Health.HealthOptions>(builder.Configuration.GetSection(RunDashboard.Core.Analysis.Health.HealthOptions.Section));
        builder.Services.Configure<RunDashboard.Core.WandB.WandbOptions>(builder.Configuration.GetSection(RunDashboard.Core.WandB.WandbOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Services.ChatWebhookOptions>(builder.Configuration.GetSection(RunDashboard.Core.Services.ChatWebhookOptions.Section));
        builder.Services.AddRunDashboardCore(builder.Environment.ContentRootPath);
        builder.Services.Configure<RunDashboard.Previews.DashboardOptions>(builder.Configuration.GetSection(RunDashboard.Previews.DashboardOptions.Section));
        builder.Services.AddDashboardUi();
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.NumberHandling =
            System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals);
        builder.Services.AddProblemDetails();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Open the database now so a bad path fails at start, and the file exists before the first request.
        app.Services.GetRequiredService<RunStore>();

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapUploadEndpoints();
        app.MapRunEndpoints();
        app.MapSyncEndpoints();
        app.MapShareEndpoints();
        app.MapInsightEndpoints();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>What the pages and preview endpoints need on top of Core (tests of components register the same).</summary>
    public static IServiceCollection AddDashboardUi(this IServiceCollection services)
    {
        services.AddSingleton<RunDashboard.Components.Charts.SeriesLoader>();
        services.AddSingleton<RunDashboard.Previews.ChartPreview>();
        services.AddSingleton<RunDashboard.Previews.ShareCards>();
        return services;
    }
}
