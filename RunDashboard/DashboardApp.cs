using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using MudBlazor.Services;
using RunDashboard.Cluster;
using RunDashboard.Components;
using RunDashboard.Core;
using RunDashboard.Core.Storage;
using Microsoft.Extensions.Options;
using RunDashboard.Configuration;
using RunDashboard.Endpoints;
using RunDashboard.Security;

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

        builder.Services.AddDashboardOptions(builder.Configuration);
        var limits = DashboardConfiguration.Read<LimitsOptions>(builder.Configuration, LimitsOptions.Section);
        // Kestrel answers a body over the limit with 413; the upload endpoint reads its multipart body itself.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = limits.MaxRequestBytes);
        // Reading straight into a buffer, rather than waiting for data with a zero-byte read first, took a third off
        // the CPU time of receiving a 512 MB upload on loopback; the cost is a small buffer per idle connection.
        builder.WebHost.UseSockets(o => o.WaitForDataBeforeAllocatingBuffer = false);
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = limits.MaxRequestBytes);
        builder.Services.AddDashboardSecurity();

        builder.Services.Configure<StorageOptions>(builder.Configuration.GetSection(StorageOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Analysis.TagRuleOptions>(builder.Configuration.GetSection(RunDashboard.Core.Analysis.TagRuleOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Analysis.Health.HealthOptions>(builder.Configuration.GetSection(RunDashboard.Core.Analysis.Health.HealthOptions.Section));
        builder.Services.Configure<RunDashboard.Core.WandB.WandbOptions>(builder.Configuration.GetSection(RunDashboard.Core.WandB.WandbOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Ingest.IngestLimits>(builder.Configuration.GetSection(RunDashboard.Core.Ingest.IngestLimits.Section));
        builder.Services.Configure<RunDashboard.Core.Services.ChatWebhookOptions>(builder.Configuration.GetSection(RunDashboard.Core.Services.ChatWebhookOptions.Section));
        builder.Services.Configure<RunDashboard.Core.Services.Notifications.NotificationOptions>(o => { builder.Configuration.GetSection(RunDashboard.Core.Services.Notifications.NotificationOptions.Section).Bind(o); o.DashboardUrl ??= builder.Configuration["Dashboard:PublicBaseUrl"]; });
        builder.Services.AddRunDashboardCore(builder.Environment.ContentRootPath);
        builder.Services.AddClusterSharing(builder.Configuration);
        builder.Services.AddDashboardUi();
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.NumberHandling =
            System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals);
        builder.Services.AddProblemDetails();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMudServices();
        configure?.Invoke(builder);

        var app = builder.Build();
        // Options are validated here rather than at the first request: a bad Limits:/Auth:/Dashboard: value stops the start.
        try
        {
            app.Services.GetRequiredService<IOptions<DashboardOptions>>().Value.GetHashCode();
            app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value.GetHashCode();
            app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.GetHashCode();
        }
        catch (OptionsValidationException ex)
        {
            throw new InvalidOperationException("RunDashboard's configuration is invalid:" + Environment.NewLine + DashboardConfiguration.Describe(ex), ex);
        }
        // Open the database now so a bad path fails at start, and the file exists before the first request.
        app.Services.GetRequiredService<RunStore>();
        // Upload bodies of a dashboard that was killed mid-request are not kept.
        app.Services.GetRequiredService<UploadTempFolder>().RemoveLeftovers();

        app.UseSecurityHeaders();

        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseHeadAsGet();
        app.UseRouting();
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseRequestErrors();
        app.UseSameOriginCircuits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets().AllowAnonymous();
        app.MapAuthEndpoints();
        app.MapUploadEndpoints();
        app.MapRunEndpoints();
        app.MapSyncEndpoints();
        app.MapShareEndpoints();
        app.MapInsightEndpoints();
        // Blazor adds its own "frame-ancestors 'self'" CSP header; Dashboard:FrameAncestors in ours is the one that applies.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        StartupWarmUp.Register(app);
        return app;
    }

    /// <summary>What the pages and preview endpoints need on top of Core (tests of components register the same).</summary>
    public static IServiceCollection AddDashboardUi(this IServiceCollection services)
    {
        services.AddSingleton<RunDashboard.Previews.ChartPreview>();
        services.AddSingleton<RunDashboard.Previews.ShareCards>();
        services.AddScoped<RunDashboard.Components.Security.WriteAccess>();
        services.AddHttpContextAccessor();
        services.AddSingleton(sp => new UploadTempFolder(Path.GetDirectoryName(sp.GetRequiredService<RunStore>().Path)!));
        services.AddSingleton<StartupWarmUp>();
        return services;
    }
}
