using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RunDashboard.Tests.Notifications;

/// <summary>How the receiver answers one request: a status (with an optional Retry-After), or no answer at all.</summary>
public sealed record ReceiverReply(int Status, string? RetryAfter = null, bool Hang = false);

/// <summary>
/// A chat service's incoming webhook on loopback (real Kestrel): records every POST by path and answers as scripted,
/// 200 once the script is used up.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceiverReply> _script = new();
    private readonly ConcurrentQueue<(string Path, string Body, int Status)> _requests = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hanging;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public string Url(string path) => $"{BaseUrl}/{path}";

    /// <summary>Requests that are being held without an answer right now.</summary>
    public int Hanging => Volatile.Read(ref _hanging);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/{path}", receiver.HandleAsync);
        await receiver._app.StartAsync();
        receiver.BaseUrl = receiver._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return receiver;
    }

    /// <summary>The next requests are answered with these, in order.</summary>
    public void Script(params ReceiverReply[] replies)
    {
        foreach (var r in replies) _script.Enqueue(r);
    }

    private async Task HandleAsync(HttpContext context, string path)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var reply = _script.TryDequeue(out var r) ? r : new ReceiverReply(200);
        _requests.Enqueue((path, body, reply.Hang ? 0 : reply.Status));
        if (reply.Hang)
        {
            Interlocked.Increment(ref _hanging);
            try
            {
                await _release.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref _hanging);
            }
            return;
        }
        if (reply.RetryAfter is { } after) context.Response.Headers.RetryAfter = after;
        context.Response.StatusCode = reply.Status;
        await context.Response.WriteAsync(reply.Status < 300 ? "ok" : "try later");
    }

    /// <summary>Every request so far, answered or not.</summary>
    public IReadOnlyList<(string Path, string Body, int Status)> Requests => _requests.ToList();

    /// <summary>The bodies of the posts answered 2xx on <paramref name="path"/>, parsed.</summary>
    public IReadOnlyList<JsonElement> Delivered(string path) =>
        _requests.Where(r => r.Path == path && r.Status is >= 200 and < 300).Select(r => JsonDocument.Parse(r.Body).RootElement.Clone()).ToList();

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.DisposeAsync();
    }
}
