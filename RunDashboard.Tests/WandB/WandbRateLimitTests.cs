using System.Diagnostics;
using RunDashboard.Tests.Support;
using Xunit.Abstractions;

namespace RunDashboard.Tests.WandB;

/// <summary>W&amp;B answers 429 with Retry-After when a key asks too fast; the official client waits through about 20 of them.</summary>
public class WandbRateLimitTests(ITestOutputHelper output) : WandbSyncTestBase(output)
{
    [Fact]
    public async Task Nineteen_429s_in_a_row_are_waited_through()
    {
        AddRun("a");
        Wandb.RateLimit = (1, 19, 0);

        var result = await SyncAsync();

        Assert.Empty(result.Errors);
        Assert.Equal(20, Wandb.ListRequests);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("a"));
    }

    [Fact]
    public async Task When_the_wait_budget_runs_out_the_round_says_rate_limited_and_the_next_round_resumes_where_it_stopped()
    {
        UseServices(Services(FakeWandbServer.ApiKey, configure: o => o.MaxRateLimitWait = TimeSpan.FromSeconds(2)));
        AddRun("a");
        AddRun("b", steps: 1000);
        AddRun("c");
        // Request 1 lists a and b, 2-3 read a, 4-6 read b's first three windows; from the 7th W&B says "wait a second".
        Wandb.RateLimit = (7, 50, 1);

        var clock = Stopwatch.StartNew();
        var first = await SyncAsync();
        clock.Stop();

        Output.WriteLine($"first round: {clock.Elapsed.TotalSeconds:F1} s, {first.Requests} requests, {Report(first)}");
        Assert.Contains("rate limited", Report(first));
        Assert.True(clock.Elapsed.TotalSeconds >= 1.8, $"waited {clock.Elapsed.TotalSeconds:F1} s of a 2 s budget");
        Assert.Equal(9, first.Requests); // two 429s waited out (1 s each), the third would overspend the budget
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("a"));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), StoredSteps("b")); // whole windows only
        Assert.False(StoredRun("b").Wandb!.HistoryComplete);

        Wandb.RateLimit = null;
        var before = Wandb.HistoryAsked.Count;
        var second = await SyncAsync();

        Assert.Empty(second.Errors);
        var asked = Wandb.HistoryAsked.Skip(before).ToList();
        Assert.Equal(300, asked.Where(h => h.Run == "b").Min(h => h.Min));
        Assert.Equal(7, asked.Count(h => h.Run == "b"));
        Assert.DoesNotContain(asked, h => h.Run == "a");
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), StoredSteps("b"));
        Assert.Equal(Enumerable.Range(0, 120).Select(i => (long)i), StoredSteps("c"));
        Assert.True(StoredRun("b").Wandb!.HistoryComplete);
    }
}
