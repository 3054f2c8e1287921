using System.Text.Json.Nodes;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services.Notifications;

namespace RunDashboard.Tests.Notifications;

/// <summary>What each chat service is sent: user strings stay text, links only where they are absolute, long posts cut.</summary>
public class WebhookPayloadTests
{
    private static readonly Run Run = new() { Id = "r 1", Name = "[click](https://evil.example) *bold*", Project = "lab", UpdatedAt = new DateTime(2026, 3, 1, 7, 0, 0, DateTimeKind.Utc) };

    [Fact]
    public void Markdown_services_show_a_name_with_link_syntax_as_text()
    {
        var post = ChatPosts.Finished(Run, "https://runs.lab.example");

        var discord = WebhookPayloads.For(WebhookKind.Discord, post);
        var teams = WebhookPayloads.For(WebhookKind.Teams, post);

        Assert.Equal(@"Run finished: \[click\]\(https://evil.example\) \*bold\* \(lab\)", discord["content"]!.GetValue<string>());
        Assert.Equal(@"Run finished: \[click\]\(https://evil.example\) \*bold\* \(lab\)", Card(teams)["body"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("https://runs.lab.example/runs/r%201", discord["embeds"]![0]!["url"]!.GetValue<string>());
    }

    [Fact]
    public void Without_a_public_address_no_service_gets_a_relative_link_in_a_url_field()
    {
        var post = ChatPosts.Finished(Run, dashboardUrl: null);

        var discord = WebhookPayloads.For(WebhookKind.Discord, post);
        var slack = WebhookPayloads.For(WebhookKind.Slack, post);
        var mattermost = WebhookPayloads.For(WebhookKind.Mattermost, post);
        var teams = WebhookPayloads.For(WebhookKind.Teams, post);

        Assert.False(discord["embeds"]![0]!.AsObject().ContainsKey("url"));
        Assert.False(discord["embeds"]![0]!.AsObject().ContainsKey("image"));
        Assert.Single(slack["blocks"]!.AsArray());
        Assert.False(mattermost["attachments"]![0]!.AsObject().ContainsKey("image_url"));
        Assert.False(Card(teams).ContainsKey("actions"));
    }

    [Fact]
    public void A_digest_of_many_runs_is_cut_to_the_line_limit_with_the_rest_counted()
    {
        var runs = Enumerable.Range(0, 40).Select(i => new Run { Id = $"r{i}", Name = $"run {i}", UpdatedAt = Run.UpdatedAt.AddMinutes(-i) }).ToList();

        var post = ChatPosts.Digest(runs, Run.UpdatedAt, "https://runs.lab.example")!;
        var teams = WebhookPayloads.For(WebhookKind.Teams, post);

        var texts = Card(teams)["body"]!.AsArray().Select(b => b!["text"]?.GetValue<string>()).OfType<string>().ToList();
        Assert.Equal(2 + WebhookPayloads.MaxLines, texts.Count);
        Assert.Equal($"- … and {40 - WebhookPayloads.MaxLines + 1} more", texts[^1]);
        Assert.StartsWith("- [run 0](https://runs.lab.example/runs/r0)", texts[2]);
    }

    [Fact]
    public void A_digest_has_nothing_to_say_when_no_run_changed_in_the_last_day()
    {
        var old = new Run { Id = "old", Name = "old", UpdatedAt = Run.UpdatedAt.AddDays(-2) };

        Assert.Null(ChatPosts.Digest([old], Run.UpdatedAt, null));
    }

    [Fact]
    public void The_next_digest_is_today_when_its_time_is_still_ahead_else_tomorrow()
    {
        var at = new TimeOnly(8, 30);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero), Core.Services.ChatNotifier.NextDigest(new DateTimeOffset(2026, 3, 1, 8, 29, 0, TimeSpan.Zero), at));
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 8, 30, 0, TimeSpan.Zero), Core.Services.ChatNotifier.NextDigest(new DateTimeOffset(2026, 3, 1, 8, 30, 0, TimeSpan.Zero), at));
    }

    [Fact]
    public void A_digest_time_that_is_not_a_time_of_day_is_refused_with_the_setting_named()
    {
        var error = Assert.Throws<FormatException>(() => new NotificationOptions { DigestAtUtc = "8am" }.DigestTime());

        Assert.Contains("Notifications:DigestAtUtc", error.Message);
        Assert.Null(new NotificationOptions().DigestTime());
        Assert.Equal(new TimeOnly(7, 5), new NotificationOptions { DigestAtUtc = "07:05" }.DigestTime());
    }

    [Fact]
    public void The_older_ChatWebhooks_urls_are_posted_to_as_Slack_hooks_beside_the_new_entries()
    {
        var options = new NotificationOptions { Webhooks = [new WebhookTarget { Url = "https://discord.example/api/webhooks/1", Kind = WebhookKind.Discord }] };

        var targets = options.Targets(new Core.Services.ChatWebhookOptions { Urls = ["https://hooks.slack.example/T1"] });

        Assert.Equal([(WebhookKind.Discord, "https://discord.example/api/webhooks/1"), (WebhookKind.Slack, "https://hooks.slack.example/T1")],
            targets.Select(t => (t.Kind, t.Url)));
        Assert.DoesNotContain("slack", targets[1].LedgerId, StringComparison.OrdinalIgnoreCase);
    }

    private static JsonObject Card(JsonObject teams) => teams["attachments"]![0]!["content"]!.AsObject();
}
