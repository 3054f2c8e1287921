using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Components;

public class StartupWarmUpTests
{
    [Fact]
    public async Task A_restarted_dashboard_renders_its_newest_run_page_once_before_anyone_asks()
    {
        using var dir = new TempDirectory();
        string[] args = ["--urls=http://127.0.0.1:0", "--environment=Production", $"--Storage:DatabasePath={dir.File("warm.db")}"];

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

    private static async Task<WebApplication> StartAsync(string[] args, Messages messages)
    {
        var app = DashboardApp.Build(args, b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            b.Logging.AddFilter(typeof(StartupWarmUp).FullName, LogLevel.Information);
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
        private readonly ConcurrentQueue<string> _all = new();
        public IEnumerable<string> All => _all;

        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < until)
            {
                if (_all.FirstOrDefault(match) is { } found) return found;
                await Task.Delay(100);
            }
            throw new TimeoutException($"no such message within {timeout}; logged: {string.Join(" | ", _all)}");
        }

        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _all.Enqueue(formatter(state, exception));
        public void Dispose() { }
    }
}
