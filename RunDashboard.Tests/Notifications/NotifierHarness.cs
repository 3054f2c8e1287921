using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Services.Notifications;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Notifications;

/// <summary>
/// A notifier over a real LiteDB file with its importer, health checks and HTTP client, on the clock the test
/// chooses; <see cref="RestartAsync"/> stops it and opens a new one over the same file, as a restarted server does.
/// </summary>
public sealed class NotifierHarness : IAsyncDisposable
{
    private readonly string _databasePath;
    private readonly ServiceProvider _http = new ServiceCollection().AddHttpClient().BuildServiceProvider();
    private readonly NotificationOptions _options;
    private readonly ChatWebhookOptions _legacy;
    private readonly TimeProvider _time;

    private NotifierHarness(string databasePath, NotificationOptions options, ChatWebhookOptions legacy, TimeProvider time)
    {
        _databasePath = databasePath;
        _options = options;
        _legacy = legacy;
        _time = time;
        Open();
    }

    public RunStore Store { get; private set; } = null!;
    public ImportService Imports { get; private set; } = null!;
    public ChatNotifier Notifier { get; private set; } = null!;

    public static async Task<NotifierHarness> StartAsync(string databasePath, NotificationOptions options, TimeProvider? time = null, ChatWebhookOptions? legacy = null, bool start = true)
    {
        var harness = new NotifierHarness(databasePath, options, legacy ?? new ChatWebhookOptions(), time ?? TimeProvider.System);
        if (start) await harness.Notifier.StartAsync(CancellationToken.None);
        return harness;
    }

    private void Open()
    {
        Store = new RunStore(_databasePath);
        Imports = new ImportService(Store, Ingestor.CreateDefault(), _time);
        var health = new HealthService(Store, new HealthOptions(), _time);
        Notifier = new ChatNotifier(Store, health, _http.GetRequiredService<IHttpClientFactory>(), Options.Create(_options), Options.Create(_legacy), _time,
            NullLogger<ChatNotifier>.Instance);
    }

    public Task StartNotifierAsync() => Notifier.StartAsync(CancellationToken.None);

    public async Task<Run> UploadAsync(string fixture, string? name = null)
    {
        var bytes = Fixture.Bytes(fixture);
        var report = await Imports.ImportAsync([new UploadFile(fixture, () => new MemoryStream(bytes))], new UploadOptions("lab", name));
        return Assert.Single(report.Runs);
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        Open();
        await Notifier.StartAsync(CancellationToken.None);
    }

    private async Task StopAsync()
    {
        await Notifier.StopAsync(CancellationToken.None);
        Notifier.Dispose();
        Store.Dispose();
    }

    /// <summary>Waits (bounded) for something the background service does; the assertion that follows is on the content.</summary>
    public static async Task Until(Func<bool> condition, string what)
    {
        for (var i = 0; i < 800 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), what);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _http.DisposeAsync();
    }
}
