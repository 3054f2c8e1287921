using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.ViewState;

namespace RunDashboard;

/// <summary>
/// A fresh process pays for compiling what it runs the first time it runs it: seconds of CPU for the first page
/// (Blazor's prerender, MudBlazor's components, the LiteDB reads, the health rules, and the run's health findings,
/// computed once per run version) and about one processor second for the first large upload. After a deploy, that is
/// the colleague who opens the first pasted link, or the training script that uploads first. In the background, as
/// soon as the server listens, the newest run's page is rendered once, and a few generated logs are uploaded to the
/// server's own upload endpoint, whose imports then go to a throwaway database (<see cref="ImportWarmUp"/>;
/// <c>Dashboard:WarmUpImports</c>, on by default). Both are paid before anyone comes; the user's database is not touched.
/// </summary>
public sealed class StartupWarmUp(Ingestor ingestor, UploadTempFolder temp, ILogger<StartupWarmUp> log)
{
    /// <summary>
    /// Marks the server's own warm-up uploads. Its value is a random secret that never leaves the process, and it
    /// only ever sends an upload to the throwaway database, while the warm-up runs.
    /// </summary>
    public const string Header = "X-RunDashboard-Warm-Up";

    private readonly byte[] _secret = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImportWarmUp.Throwaway? _throwaway;

    /// <summary>Completes when the warm-up has ended, whether or not each part of it succeeded.</summary>
    public Task Done => _done.Task;

    /// <summary>
    /// Warm-up uploads from this size are parsed while they arrive, so the largest generated log also runs the path
    /// of a user's large upload, and the smaller ones the path of a small one.
    /// </summary>
    public const long ParseWhileReceivingBytes = 4L << 20;

    /// <summary>
    /// Where a warm-up upload is imported: the throwaway database's import service for the server's own warm-up uploads
    /// while the warm-up runs; null for every other request, which goes to the dashboard's database.
    /// </summary>
    public ImportService? ImportsFor(HttpRequest request) =>
        Volatile.Read(ref _throwaway) is { } throwaway && request.Headers.TryGetValue(Header, out var value) && value.Count == 1
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value.ToString()), _secret)
            ? throwaway.Imports
            : null;

    public static void Register(WebApplication app)
    {
        var warmUp = app.Services.GetRequiredService<StartupWarmUp>();
        // Read now, so a value that is not true or false stops the start with the key's name in the message.
        var imports = app.Configuration.GetValue("Dashboard:WarmUpImports", true);
        app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
        {
            try
            {
                await warmUp.RenderNewestRunAsync(app);
                if (imports) await warmUp.ImportAsync(app);
            }
            finally
            {
                warmUp._done.TrySetResult();
            }
        }));
    }

    private async Task RenderNewestRunAsync(WebApplication app)
    {
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

    private async Task ImportAsync(WebApplication app)
    {
        // The process's own temp folder: a warm-up cut short by a kill is removed at the next start.
        var folder = Path.Combine(temp.Path, "import-warm-up");
        var stopping = app.Lifetime.ApplicationStopping;
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            if (LocalAddress(app) is { } address && await UploadAsync(address, folder, stopping) is { } uploaded)
            {
                log.LogInformation("Uploaded {Imports} generated logs ({Megabytes:F0} MB) to this server, imported into a throwaway database, to warm the import up, in {Milliseconds} ms",
                    uploaded.Imports, uploaded.Bytes / 1048576.0, started.ElapsedMilliseconds);
                return;
            }
            // Refused or unreachable (Auth:Mode=Token keeps only hashes of the tokens; a limit below the logs' size;
            // HTTPS with a certificate for another name): the import is warmed up in process, without the HTTP part.
            stopping.ThrowIfCancellationRequested();
            var result = await ImportWarmUp.RunAsync(ingestor, folder, stopping);
            log.LogInformation("Imported {Imports} generated logs ({Megabytes:F0} MB) into a throwaway database to warm the import up, in {Milliseconds} ms",
                result.Imports, result.Bytes / 1048576.0, started.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            log.LogDebug("The start-up import warm-up stopped: the dashboard is shutting down");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or LiteDB.LiteException)
        {
            // Only a head start: the first upload then pays it, as without the warm-up.
            log.LogWarning(ex, "The start-up import warm-up did not complete");
        }
    }

    /// <summary>Sends the generated logs to <c>POST /api/uploads</c> as curl -F does; null when the server refused one.</summary>
    private async Task<ImportWarmUp.Result?> UploadAsync(Uri address, string folder, CancellationToken cancellationToken)
    {
        using var throwaway = new ImportWarmUp.Throwaway(ingestor, folder);
        Volatile.Write(ref _throwaway, throwaway);
        try
        {
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Add(Header, Encoding.ASCII.GetString(_secret));
            return await ImportWarmUp.RunAsync(throwaway, (name, bytes) => PostAsync(http, name, bytes), cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _throwaway, null);
        }
    }

    private async Task<bool> PostAsync(HttpClient http, string name, byte[] bytes)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", name);
        form.Add(new StringContent("warm-up"), "project");
        try
        {
            // Not cancelled when the dashboard stops: the request takes a fraction of a second, Kestrel lets it finish
            // before it stops, and the throwaway database must outlive the import it serves.
            using var response = await http.PostAsync("/api/uploads", form, CancellationToken.None);
            if (response.IsSuccessStatusCode) return true;
            log.LogDebug("The server answered its own warm-up upload {Status}", (int)response.StatusCode);
            return false;
        }
        catch (HttpRequestException ex)
        {
            log.LogDebug(ex, "The server could not be reached for its own warm-up upload");
            return false;
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
