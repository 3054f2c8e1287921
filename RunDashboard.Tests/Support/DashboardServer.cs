using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Support;

/// <summary>
/// The real dashboard on Kestrel, on a free loopback port, with its own LiteDB file (or its own PostgreSQL database:
/// <see cref="StartAsync(StorageProvider, string[])"/>, or <c>RUNDASHBOARD_TEST_STORAGE=Postgres</c> for every server of
/// a test run): what a user runs, minus the fixed port. Tests talk to it over HTTP (and Chromium does too).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>Names the provider every server of a test run uses when a test does not choose one.</summary>
    public const string ProviderVariable = "RUNDASHBOARD_TEST_STORAGE";

    private readonly TestStores _stores;

    private DashboardServer(WebApplication app, TestStores stores, string baseUrl)
    {
        App = app;
        _stores = stores;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    public WebApplication App { get; }
    public string BaseUrl { get; }
    public HttpClient Client { get; }
    public string DatabasePath => _stores.Dir.File("dashboard.db");

    public StorageProvider Provider => _stores.Provider;

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static Task<DashboardServer> StartAsync(params string[] extraArgs) =>
        StartAsync(Enum.TryParse<StorageProvider>(Environment.GetEnvironmentVariable(ProviderVariable), ignoreCase: true, out var p) ? p : StorageProvider.LiteDb, extraArgs);

    public static async Task<DashboardServer> StartAsync(StorageProvider provider, params string[] extraArgs)
    {
        var stores = new TestStores(provider);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            "--environment=Production",
            .. stores.Arguments("dashboard.db"),
            // The import warm-up (StartupWarmUpTests) would spend a processor second of every test server's start.
            "--Dashboard:WarmUpImports=false",
            .. extraArgs,
        ];
        var app = DashboardApp.Build(args, b => b.Logging.SetMinimumLevel(LogLevel.Warning), ProjectDirectory());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DashboardServer(app, stores, address.TrimEnd('/'));
    }

    /// <summary>The RunDashboard project folder, so the app's wwwroot is its content root as under <c>dotnet run</c>.</summary>
    private static string ProjectDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "RunDashboard", "RunDashboard.csproj");
            if (File.Exists(candidate)) return Path.GetDirectoryName(candidate)!;
            dir = dir.Parent;
        }
        return AppContext.BaseDirectory;
    }

    /// <summary>Uploads a file as a training script's curl would and returns the answer's <c>runs</c>.</summary>
    public async Task<JsonElement> UploadAsync(string fileName, byte[] bytes, string? name = null, string? project = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(fileName.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "text/plain");
        form.Add(file, "file", fileName);
        if (name is not null) form.Add(new StringContent(name), "name");
        if (project is not null) form.Add(new StringContent(project), "project");
        var response = await Client.PostAsync("/api/uploads", form);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runs");
    }

    /// <summary>Uploads a fixture and returns the id of its (first) run.</summary>
    public async Task<string> UploadFixtureAsync(string fixture, string? name = null, string? project = null) =>
        (await UploadAsync(fixture, Fixture.Bytes(fixture), name, project))[0].GetProperty("id").GetString()!;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _stores.Dispose();
    }
}
