using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

public class StartupWarmUpTests
{
    [Fact]
    public async Task A_restarted_dashboard_renders_its_newest_run_page_once_before_anyone_asks()
    {
        using var dir = new TempDirectory();
        // The import warm-up has tests of its own below.
        string[] args = ["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}", "--Dashboard:WarmUpImports=false"];

        // First start: the dashboard is empty (nothing to warm) and gets a run.
        var first = new Messages();
        await using (var app = await StartAsync(args, first))
        {
            using var http = new HttpClient { BaseAddress = BaseAddress(app) };
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(Fixture.Bytes("mlx_lm_lora_run3.log"));
            file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            form.Add(file, "file", "mlx_lm_lora_run3.log");
            (await http.PostAsync("/api/uploads", form)).EnsureSuccessStatusCode();
            await app.StopAsync();
        }
        Assert.DoesNotContain(first.All, m => m.Contains("warm", StringComparison.Ordinal));

        // Second start, as after a deploy: the run's page is rendered by the server itself, and it answered 200.
        var second = new Messages();
        await using (var app = await StartAsync(args, second))
        {
            var warmed = await second.WaitForAsync(m => m.StartsWith("Rendered the newest run's page once", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
            Assert.Contains(": 200 in ", warmed);
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_starting_dashboard_warms_its_import_up_through_its_own_upload_endpoint_into_a_throwaway_database()
    {
        using var dir = new TempDirectory();
        var messages = new Messages();
        await using var app = await StartAsync(["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}"], messages);
        using var http = new HttpClient { BaseAddress = BaseAddress(app) };
        // An upload that claims to be the warm-up, sent while it runs, is an ordinary upload: the header's value is a
        // secret of the process.
        var during = await UploadAsync(http, "during.log", (StartupWarmUp.Header, "0123456789abcdef"));
        await app.Services.GetRequiredService<StartupWarmUp>().Done.WaitAsync(TimeSpan.FromSeconds(120));

        var warmed = await messages.WaitForAsync(m => m.Contains("generated logs", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.StartsWith("Uploaded 6 generated logs", warmed);
        // Only the two uploads sent here reached the dashboard's database.
        var after = await UploadAsync(http, "after.log", (StartupWarmUp.Header, "0123456789abcdef"));
        var store = app.Services.GetRequiredService<RunStore>();
        Assert.Equal(2, store.Uploads.List().Count);
        Assert.Equal(new[] { during, after }.Order(), store.ListRuns().Select(r => r.Id).Order());
        // Nothing of the throwaway database is left in the process's temp folder.
        var temp = app.Services.GetRequiredService<RunDashboard.Core.Storage.UploadTempFolder>().Path;
        Assert.False(Directory.Exists(Path.Combine(temp, "import-warm-up")));
        await app.StopAsync();
    }

    [Fact]
    public async Task With_token_auth_the_import_is_warmed_up_in_process_and_the_database_stays_empty()
    {
        using var dir = new TempDirectory();
        var messages = new Messages();
        await using var app = await StartAsync(["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}",
            "--Auth:Mode=Token", "--Auth:Tokens:0=warm-up-test-token-0123456789"], messages);
        await app.Services.GetRequiredService<StartupWarmUp>().Done.WaitAsync(TimeSpan.FromSeconds(120));

        // The server keeps only hashes of its tokens, so its own upload is refused (401) and the import runs in process.
        var warmed = await messages.WaitForAsync(m => m.Contains("generated logs", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.StartsWith("Imported 6 generated logs", warmed);
        var store = app.Services.GetRequiredService<RunStore>();
        Assert.Empty(store.Uploads.List());
        Assert.Equal(0, store.CountRuns());
        await app.StopAsync();
    }

    [Fact]
    public async Task A_dashboard_stopped_during_its_import_warm_up_stops_cleanly_and_leaves_no_file_behind()
    {
        using var dir = new TempDirectory();
        var messages = new Messages();
        var app = await StartAsync(["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}"], messages, LogLevel.Debug);
        var temp = app.Services.GetRequiredService<RunDashboard.Core.Storage.UploadTempFolder>().Path;
        // Stopped while the warm-up's first uploads are on their way in.
        await Task.Delay(300);
        await app.StopAsync();
        await app.Services.GetRequiredService<StartupWarmUp>().Done.WaitAsync(TimeSpan.FromSeconds(60));
        await app.DisposeAsync();

        Assert.DoesNotContain(messages.Entries, e => e.Level >= LogLevel.Warning);
        Assert.False(Directory.Exists(Path.Combine(temp, "import-warm-up")), "the throwaway database's folder is still there");
    }

    [Fact]
    public void A_warm_up_setting_that_is_not_true_or_false_stops_the_start_naming_the_key()
    {
        using var dir = new TempDirectory();
        var ex = Assert.ThrowsAny<InvalidOperationException>(() => DashboardApp.Build(
            ["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}", "--Dashboard:WarmUpImports=perhaps"],
            b => b.Logging.SetMinimumLevel(LogLevel.Warning), ProjectDirectory()));
        Assert.Contains("Dashboard:WarmUpImports", ex.Message);
    }

    private static async Task<string> UploadAsync(HttpClient http, string fileName, (string Name, string Value) header)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Fixture.Bytes("mlx_lm_lora_run3.log").Concat(System.Text.Encoding.UTF8.GetBytes($"Iter 999: Val loss 1.000, Val took 1.000s ({fileName})\n")).ToArray());
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", fileName);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/uploads") { Content = form };
        request.Headers.Add(header.Name, header.Value);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("runs")[0].GetProperty("id").GetString()!;
    }

    private static async Task<WebApplication> StartAsync(string[] args, Messages messages, LogLevel warmUpLevel = LogLevel.Information)
    {
        var app = DashboardApp.Build(args, b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Logging.AddFilter(typeof(StartupWarmUp).FullName, warmUpLevel);
            b.Logging.AddProvider(messages);
        }, ProjectDirectory());
        await app.StartAsync();
        return app;
    }

    private static Uri BaseAddress(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    private static string ProjectDirectory()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, "RunDashboard", "RunDashboard.csproj");
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
        }
        return AppContext.BaseDirectory;
    }

    /// <summary>The messages the app logs, to wait for one.</summary>
    private sealed class Messages : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<(LogLevel Level, string Text)> _entries = new();
        public IEnumerable<(LogLevel Level, string Text)> Entries => _entries;
        public IEnumerable<string> All => _entries.Select(e => e.Text);

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                if (All.FirstOrDefault(match) is { } found) return found;
                await Task.Delay(100);
            }
            throw new TimeoutException($"no such message within {timeout}; logged: {string.Join(" | ", All)}");
        }

        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _entries.Enqueue((logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception.GetType().Name + ": " + exception.Message)));
        public void Dispose() { }
    }
}
