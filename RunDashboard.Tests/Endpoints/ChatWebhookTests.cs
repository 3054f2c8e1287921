using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using RunDashboard.Core.Analysis.Health;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

/// <summary>
/// New findings of an uploaded run are posted to the configured chat webhooks: the older <c>ChatWebhooks:Urls</c> as
/// Slack hooks, <c>Notifications:Webhooks</c> each in its own kind's shape.
/// </summary>
public class ChatWebhookTests : IAsyncLifetime
{
    private WebApplication _chat = null!;
    private string _hook = "";
    private readonly ConcurrentQueue<string> _received = new();
    private readonly ConcurrentQueue<string> _discord = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        _chat = builder.Build();
        _chat.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _received.Enqueue(await reader.ReadToEndAsync());
            return Results.Ok();
        });
        _chat.MapPost("/discord", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _discord.Enqueue(await reader.ReadToEndAsync());
            return Results.NoContent();
        });
        await _chat.StartAsync();
        _hook = _chat.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
    }

    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private async Task<string> NextMessageAsync()
    {
        // Posting happens after the upload answers; wait for it (bounded), the assertion is on the content.
        for (var i = 0; i < 200 && _received.IsEmpty; i++) await Task.Delay(50);
        Assert.True(_received.TryDequeue(out var body), "the webhook received a message");
        return JsonDocument.Parse(body!).RootElement.GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task An_upload_with_warnings_posts_them_with_a_link_and_the_name_as_text()
    {
        await using var server = await DashboardServer.StartAsync($"--ChatWebhooks:Urls:0={_hook}", "--ChatWebhooks:DashboardUrl=https://runs.lab.example");

        var id = (await server.UploadAsync("distill_progress.log", Fixture.Bytes("distill_progress.log"), name: "<!channel> & kd"))[0].GetProperty("id").GetString();

        var text = await NextMessageAsync();
        Assert.Contains("run &lt;!channel&gt; &amp; kd", text);
        Assert.DoesNotContain("<!channel>", text);
        Assert.Contains($"https://runs.lab.example/runs/{id}", text);
        Assert.Contains("log-warning", text);
    }

    [Fact]
    public async Task Notifications_webhooks_post_their_kind_with_links_under_the_public_address()
    {
        await using var server = await DashboardServer.StartAsync($"--Notifications:Webhooks:0:Url={_hook[..^"hook".Length]}discord",
            "--Notifications:Webhooks:0:Kind=Discord", "--Dashboard:PublicBaseUrl=https://runs.lab.example");

        var id = (await server.UploadAsync("distill_progress.log", Fixture.Bytes("distill_progress.log"), name: "@everyone kd"))[0].GetProperty("id").GetString();

        for (var i = 0; i < 200 && _discord.IsEmpty; i++) await Task.Delay(50);
        Assert.True(_discord.TryDequeue(out var body), "the Discord hook received a post");
        var post = JsonDocument.Parse(body!).RootElement;
        Assert.StartsWith("Warning in run @everyone kd", post.GetProperty("content").GetString());
        Assert.Equal(0, post.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
        Assert.Equal($"https://runs.lab.example/runs/{id}", post.GetProperty("embeds")[0].GetProperty("url").GetString());
        Assert.Equal($"https://runs.lab.example/preview/runs/{id}.png", post.GetProperty("embeds")[0].GetProperty("image").GetProperty("url").GetString());
        Assert.True(_received.IsEmpty, "nothing went to the Slack hook, which is not configured here");
    }

    [Fact]
    public void The_message_names_the_worst_severity_and_escapes_chat_markup()
    {
        var run = new Run { Id = "r", Name = "a <b>", Project = "p" };
        var text = ChatMessage.For(run, [new Finding("divergence", Severity.Error, "train/loss is diverging"), new Finding("loss-spike", Severity.Warning, "spike")], null);

        Assert.StartsWith("Error in run a &lt;b&gt; (p)\n", text);
        Assert.Contains("• error divergence: train/loss is diverging", text);
    }
}
