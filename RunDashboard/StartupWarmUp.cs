using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RunDashboard.Core.Services;
using RunDashboard.ViewState;

namespace RunDashboard;

/// <summary>
/// The first page a fresh process renders pays for compiling what it runs (Blazor's prerender, MudBlazor's components,
/// the LiteDB reads, the health rules): seconds of CPU, on top of the run's health findings, which are computed once
/// per run version. After a deploy, that is the colleague who opens the first pasted link. Rendering the newest run's
/// page once, in the background as soon as the server listens, pays it before anyone comes. A dashboard without runs
/// has nothing to warm.
/// </summary>
public static class StartupWarmUp
{
    public static void Register(WebApplication app) =>
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(() => RunAsync(app)));

    private static async Task RunAsync(WebApplication app)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StartupWarmUp));
        try
        {
            var newest = app.Services.GetRequiredService<RunCatalog>().All.MaxBy(r => r.CreatedAt);
            if (newest is null || LocalAddress(app) is not { } address) return;
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
            using var response = await http.GetAsync(DashboardUrls.Run(newest.Id), app.Lifetime.ApplicationStopping);
            log.LogInformation("Rendered the newest run's page once to warm the server up: {Status} in {Milliseconds} ms", (int)response.StatusCode, started.ElapsedMilliseconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Only a head start: the first visitor then pays it, as without the warm-up.
            log.LogDebug(ex, "The start-up warm-up request did not complete");
        }
    }

    /// <summary>The first address Kestrel listens on, with a wildcard host (0.0.0.0, [::], +, *) asked on loopback.</summary>
    private static Uri? LocalAddress(WebApplication app)
    {
        var first = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (first is null) return null;
        var text = first.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://0.0.0.0", "://127.0.0.1").Replace("://[::]", "://[::1]");
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
    }
}
