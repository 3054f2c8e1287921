using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace RunDashboard.Benchmarks;

/// <summary>
/// What the web benchmarks share: the real dashboard on a free loopback port with a fresh LiteDB file, and Debian's
/// Chromium started headless through Playwright.
/// </summary>
public static class BenchServer
{
    /// <summary>
    /// Starts the app on <c>127.0.0.1:0</c> over the database <paramref name="dbName"/> in <paramref name="dir"/>: a new
    /// one, or with <paramref name="fresh"/> false the one a previous start left there (a restarted dashboard).
    /// </summary>
    public static async Task<(WebApplication App, string BaseUrl)> StartAsync(string dir, string dbName, bool fresh = true, params string[] extraArgs)
    {
        var db = Path.Combine(dir, dbName);
        if (fresh)
        {
            // LiteDB keeps uncheckpointed pages in a -log file beside the database; a stale one would be replayed.
            File.Delete(db);
            File.Delete(Path.Combine(dir, Path.GetFileNameWithoutExtension(dbName) + "-log" + Path.GetExtension(dbName)));
        }
        var app = DashboardApp.Build(["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={db}", .. extraArgs],
            b => b.Logging.SetMinimumLevel(LogLevel.Warning), WebProjectDirectory());
        await app.StartAsync();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return (app, baseUrl);
    }

    /// <summary>Headless Chromium (CHROMIUM_PATH, else /usr/bin/chromium) with nothing running in the background.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

    /// <summary>The web project's folder (its wwwroot and static assets), found upwards from the binaries.</summary>
    public static string WebProjectDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "RunDashboard", "RunDashboard.csproj");
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
        }
        return AppContext.BaseDirectory;
    }
}
