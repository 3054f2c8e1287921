using System.Text.Json;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Services.Notifications;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Notifications;

/// <summary>
/// The notifier posts to a real webhook receiver on loopback: a finished run, new findings, the daily digest; it tries
/// again after 5xx and 429, posts each thing once (across restarts too) and never holds an import.
/// </summary>
public class ChatNotifierTests : IAsyncLifetime
{
    private const string Dashboard = "https://runs.lab.example";
    private readonly TempDirectory _dir = new();
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _dir.Dispose();
    }

    private NotificationOptions Options(params (string Path, WebhookKind Kind)[] hooks) => new()
    {
        Webhooks = hooks.Select(h => new WebhookTarget { Url = _receiver.Url(h.Path), Kind = h.Kind }).ToList(),
        DashboardUrl = Dashboard,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(5),
    };

    private Task<NotifierHarness> Start(NotificationOptions options, TimeProvider? time = null, bool start = true) =>
        NotifierHarness.StartAsync(_dir.File("dashboard.db"), options, time, start: start);

    private static string SlackText(JsonElement post) => post.GetProperty("text").GetString()!;

    private static List<JsonElement> Titled(IEnumerable<JsonElement> posts, string start) =>
        posts.Where(p => SlackText(p).StartsWith(start, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task A_new_warning_is_posted_with_the_page_link_the_preview_png_and_the_numbers_of_the_card()
    {
        await using var h = await Start(Options(("slack", WebhookKind.Slack)));

        var run = await h.UploadAsync("distill_progress.log", "kd <!channel>");

        await NotifierHarness.Until(() => Titled(_receiver.Delivered("slack"), "Warning in run").Count == 1, "the warning was posted");
        var post = Titled(_receiver.Delivered("slack"), "Warning in run")[0];
        var text = SlackText(post);
        Assert.Contains("kd &lt;!channel&gt;", text);
        Assert.DoesNotContain("<!channel>", text);
        Assert.Contains("log-warning", text);
        Assert.Contains(RunHeadline.Of(run), text);
        var section = post.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.StartsWith($"*<{Dashboard}/runs/{run.Id}|Warning in run kd &lt;!channel&gt; (lab)>*", section);
        Assert.Equal($"{Dashboard}/preview/runs/{run.Id}.png", post.GetProperty("blocks")[1].GetProperty("image_url").GetString());
    }

    [Fact]
    public async Task A_run_that_finishes_is_posted_once_with_its_numbers()
    {
        await using var h = await Start(Options(("slack", WebhookKind.Slack)));

        var run = await h.UploadAsync("hf_sft_tty_capture.log", "sft");
        Assert.Equal("finished", RunCompletion.StateOf(run, DateTime.UtcNow));

        await NotifierHarness.Until(() => h.Notifier.Handled >= 1 && Titled(_receiver.Delivered("slack"), "Run finished").Count == 1, "the finish was posted");
        h.Notifier.RunChanged(run.Id);
        await NotifierHarness.Until(() => h.Notifier.Handled >= 2, "the second change was looked at");
        var post = Assert.Single(Titled(_receiver.Delivered("slack"), "Run finished"));
        Assert.StartsWith("Run finished: sft (lab)", SlackText(post));
        Assert.Contains(RunHeadline.Of(run), SlackText(post));
        Assert.Contains($"{Dashboard}/runs/{run.Id}", SlackText(post));
    }

    [Fact]
    public async Task Each_kind_gets_its_own_payload_shape()
    {
        await using var h = await Start(Options(("slack", WebhookKind.Slack), ("mattermost", WebhookKind.Mattermost), ("discord", WebhookKind.Discord),
            ("teams", WebhookKind.Teams)));

        var run = await h.UploadAsync("distill_progress.log", "kd @all");
        var page = $"{Dashboard}/runs/{run.Id}";
        var png = $"{Dashboard}/preview/runs/{run.Id}.png";
        var numbers = RunHeadline.Of(run);

        await NotifierHarness.Until(() => new[] { "slack", "mattermost", "discord", "teams" }.All(p => _receiver.Delivered(p).Count >= 1), "every hook got a post");

        var slack = _receiver.Delivered("slack")[0];
        Assert.Equal("section", slack.GetProperty("blocks")[0].GetProperty("type").GetString());
        Assert.Equal("mrkdwn", slack.GetProperty("blocks")[0].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal("image", slack.GetProperty("blocks")[1].GetProperty("type").GetString());
        Assert.Equal(png, slack.GetProperty("blocks")[1].GetProperty("image_url").GetString());
        Assert.False(string.IsNullOrEmpty(slack.GetProperty("blocks")[1].GetProperty("alt_text").GetString()));

        var mattermost = _receiver.Delivered("mattermost")[0];
        Assert.Contains($"[open run]({page})", mattermost.GetProperty("text").GetString());
        Assert.Contains("@\u200Ball", mattermost.GetProperty("text").GetString());
        var attachment = mattermost.GetProperty("attachments")[0];
        Assert.Equal(page, attachment.GetProperty("title_link").GetString());
        Assert.Equal(png, attachment.GetProperty("image_url").GetString());
        Assert.Contains("log\\-warning".Replace("\\-", "-"), attachment.GetProperty("text").GetString());
        Assert.False(string.IsNullOrEmpty(attachment.GetProperty("fallback").GetString()));

        var discord = _receiver.Delivered("discord")[0];
        Assert.StartsWith("Warning in run kd @all", discord.GetProperty("content").GetString());
        Assert.Equal(0, discord.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
        var embed = discord.GetProperty("embeds")[0];
        Assert.Equal(page, embed.GetProperty("url").GetString());
        Assert.Equal(png, embed.GetProperty("image").GetProperty("url").GetString());
        Assert.StartsWith("Warning in run kd @all (lab)", embed.GetProperty("title").GetString());
        Assert.Contains(WebhookPayloads.Markdown(numbers), embed.GetProperty("description").GetString());

        var teams = _receiver.Delivered("teams")[0];
        Assert.Equal("message", teams.GetProperty("type").GetString());
        var card = teams.GetProperty("attachments")[0];
        Assert.Equal("application/vnd.microsoft.card.adaptive", card.GetProperty("contentType").GetString());
        var content = card.GetProperty("content");
        Assert.Equal("AdaptiveCard", content.GetProperty("type").GetString());
        var body = content.GetProperty("body").EnumerateArray().ToList();
        Assert.Contains(body, b => b.GetProperty("type").GetString() == "Image" && b.GetProperty("url").GetString() == png);
        Assert.Contains(body, b => b.GetProperty("type").GetString() == "TextBlock" && b.GetProperty("text").GetString() == WebhookPayloads.Markdown(numbers));
        var action = content.GetProperty("actions")[0];
        Assert.Equal("Action.OpenUrl", action.GetProperty("type").GetString());
        Assert.Equal(page, action.GetProperty("url").GetString());
    }

    [Fact]
    public async Task The_digest_lists_the_runs_that_changed_in_the_last_day_at_the_configured_time()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero));
        var options = Options(("slack", WebhookKind.Slack));
        options.DigestAtUtc = "08:30";
        await using var h = await Start(options, time, start: false);
        await h.UploadAsync("nanogpt_train.log", "stale");
        time.Advance(TimeSpan.FromHours(25));
        var fresh = await h.UploadAsync("hf_sft_tty_capture.log", "fresh");

        // Started after the uploads, the notifier has nothing to say about them: only the digest is posted.
        await h.StartNotifierAsync();
        await NotifierHarness.Until(() => time.PendingDelays.Count == 1, "the digest is scheduled");
        Assert.Equal(TimeSpan.FromMinutes(90), time.PendingDelays[0]);
        time.Advance(TimeSpan.FromMinutes(89));
        Assert.Empty(_receiver.Requests);

        time.Advance(TimeSpan.FromMinutes(1));
        await NotifierHarness.Until(() => _receiver.Delivered("slack").Count == 1, "the digest was posted");
        var text = SlackText(_receiver.Delivered("slack")[0]);
        Assert.StartsWith("Daily digest 2026-03-02: 1 active run in the last 24 h", text);
        Assert.Contains($"• fresh — finished · {RunHeadline.Of(fresh)} {Dashboard}/runs/{fresh.Id}", text);
        Assert.DoesNotContain("stale", text);
        var section = _receiver.Delivered("slack")[0].GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Contains($"<{Dashboard}/preview/runs/{fresh.Id}.png|chart>", section);
        await NotifierHarness.Until(() => time.PendingDelays.Count == 1, "the next digest is scheduled");
        Assert.Equal(TimeSpan.FromDays(1), time.PendingDelays[0]);
    }

    [Fact]
    public async Task A_500_is_tried_again_and_the_post_arrives_exactly_once()
    {
        _receiver.Script(new ReceiverReply(500));
        await using var h = await Start(Options(("slack", WebhookKind.Slack)));

        var run = await h.UploadAsync("distill_progress.log", "kd");
        await NotifierHarness.Until(() => h.Notifier.Handled >= 1, "the run was looked at");
        Assert.Equal([500, 200], Warnings().Select(r => r.Status));

        h.Notifier.RunChanged(run.Id);
        await NotifierHarness.Until(() => h.Notifier.Handled >= 2, "the second change was looked at");
        Assert.Equal([500, 200], Warnings().Select(r => r.Status));
        Assert.Single(Titled(_receiver.Delivered("slack"), "Warning in run"));

        List<(string Path, string Body, int Status)> Warnings() =>
            _receiver.Requests.Where(r => r.Body.Contains("Warning in run kd", StringComparison.Ordinal)).ToList();
    }

    [Fact]
    public async Task A_429_waits_as_long_as_Retry_After_says_then_posts_once()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 3, 1, 6, 0, 0, TimeSpan.Zero));
        _receiver.Script(new ReceiverReply(429, RetryAfter: "45"));
        await using var h = await Start(Options(("slack", WebhookKind.Slack)), time);

        await h.UploadAsync("distill_progress.log", "kd");
        await NotifierHarness.Until(() => time.PendingDelays.Count == 1, "the notifier waits before trying again");
        Assert.Equal(TimeSpan.FromSeconds(45), time.PendingDelays[0]);
        Assert.Empty(_receiver.Delivered("slack"));

        time.Advance(TimeSpan.FromSeconds(45));
        await NotifierHarness.Until(() => h.Notifier.Handled >= 1, "the run was dealt with");
        Assert.Equal(429, _receiver.Requests[0].Status);
        Assert.Single(Titled(_receiver.Delivered("slack"), "Warning in run"));
    }

    [Fact]
    public async Task Backoff_doubles_from_the_base_delay_and_stops_at_the_cap()
    {
        var options = new NotificationOptions { RetryDelay = TimeSpan.FromSeconds(2), MaxRetryDelay = TimeSpan.FromSeconds(10) };
        var sender = new WebhookSender(new HttpClient(), options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        Assert.Equal([2, 4, 8, 10, 10], Enumerable.Range(1, 5).Select(a => sender.Backoff(a, null).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(7), sender.Backoff(1, TimeSpan.FromSeconds(7)));
        Assert.Equal(TimeSpan.FromSeconds(10), sender.Backoff(1, TimeSpan.FromHours(1)));
    }

    [Fact]
    public async Task A_deleted_run_leaves_nothing_in_the_ledger_of_sent_posts()
    {
        await using var h = await Start(Options(("slack", WebhookKind.Slack)));
        var run = await h.UploadAsync("distill_progress.log", "kd");
        await NotifierHarness.Until(() => Titled(_receiver.Delivered("slack"), "Warning in run").Count == 1, "the warning was posted");
        var ledger = new Core.Storage.NotificationLedger(h.Store);
        // The post is recorded just after the receiver answered it.
        await NotifierHarness.Until(() => ledger.Count() >= 1, "the post was recorded in the ledger");

        Assert.True(h.Store.DeleteRun(run.Id));

        await NotifierHarness.Until(() => ledger.Count() == 0, "the deleted run's posts were forgotten");
    }

    [Fact]
    public async Task A_restarted_notifier_over_the_same_file_posts_nothing_again()
    {
        var h = await Start(Options(("slack", WebhookKind.Slack)));
        await using (h)
        {
            var warned = await h.UploadAsync("distill_progress.log", "kd");
            var finished = await h.UploadAsync("hf_sft_tty_capture.log", "sft");
            await NotifierHarness.Until(() => h.Notifier.Handled >= 2, "both runs were looked at");
            var before = _receiver.Requests.Count;
            Assert.True(before >= 2, "the first server posted the warning and the finish");

            await h.RestartAsync();
            h.Notifier.RunChanged(warned.Id);
            h.Notifier.RunChanged(finished.Id);
            await NotifierHarness.Until(() => h.Notifier.Handled >= 2, "the restarted notifier looked at both runs");

            Assert.Equal(before, _receiver.Requests.Count);
            Assert.Equal(0, h.Notifier.Posted);
        }
    }

    [Fact]
    public async Task A_receiver_that_hangs_holds_no_import_and_is_given_up_after_the_timeout()
    {
        _receiver.Script(new ReceiverReply(0, Hang: true));
        var options = Options(("slack", WebhookKind.Slack));
        options.Timeout = TimeSpan.FromSeconds(4);
        options.MaxAttempts = 1;
        await using var h = await Start(options);

        await h.UploadAsync("distill_progress.log", "first");
        await NotifierHarness.Until(() => _receiver.Hanging == 1, "the receiver holds the first post");
        var second = await h.UploadAsync("hf_sft_tty_capture.log", "second");
        // The second import returned while the receiver still held the notifier's post.
        Assert.Equal(1, _receiver.Hanging);
        Assert.NotNull(h.Store.GetRun(second.Id));

        await NotifierHarness.Until(() => Titled(_receiver.Delivered("slack"), "Run finished: second").Count == 1, "after the timeout the next post went out");
        Assert.Empty(Titled(_receiver.Delivered("slack"), "Warning in run first"));
    }
}
