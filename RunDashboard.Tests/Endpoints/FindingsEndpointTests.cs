using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Endpoints;

public class FindingsEndpointTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<JsonElement> UploadAsync(string fixture) => _server.UploadAsync(fixture, Fixture.Bytes(fixture));

    [Fact]
    public async Task Findings_come_back_as_json_with_rule_severity_step_message_and_evidence()
    {
        var id = (await UploadAsync("distill_progress.log"))[0].GetProperty("id").GetString();

        var findings = await _server.Client.GetFromJsonAsync<JsonElement>($"/api/runs/{id}/findings");

        var nan = findings.EnumerateArray().First(f => f.GetProperty("rule").GetString() == "log-warning" && f.GetProperty("step").GetInt64() == 1118);
        Assert.Equal("warning", nan.GetProperty("severity").GetString());
        Assert.Contains("non-finite", nan.GetProperty("message").GetString());
        var ratio = findings.EnumerateArray().Single(f => f.GetProperty("rule").GetString() == "eval-train-ratio");
        Assert.Equal(JsonValueKind.Object, ratio.GetProperty("evidence").ValueKind);
        Assert.True(ratio.GetProperty("evidence").TryGetProperty("ratio", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _server.Client.GetAsync("/api/runs/nope/findings")).StatusCode);
    }

    [Fact]
    public async Task The_comparison_report_is_markdown_with_differences_finals_and_findings()
    {
        var runs = await UploadAsync("training_runs_comparison.json");
        var ids = string.Join(',', runs.EnumerateArray().OrderBy(r => r.GetProperty("name").GetString()).Select(r => r.GetProperty("id").GetString()));

        var response = await _server.Client.GetAsync($"/api/compare/report?runs={ids}");

        Assert.Equal("text/markdown", response.Content.Headers.ContentType!.MediaType);
        var md = await response.Content.ReadAsStringAsync();
        Assert.Contains("# Comparison: SmolLM3-3B_run3 vs SmolLM3-3B_run4", md);
        Assert.Contains("| grad_accumulation_steps | 4 | 16 |", md);
        Assert.Contains("| = effective batch size | 8 | 32 |", md);
        Assert.Contains("| lora_dropout | *missing* | 0.1 |", md);
        Assert.Contains("| gap relative to train | 12.9% | — |", md);
        Assert.Contains("## Findings", md);
        Assert.DoesNotContain("| model |", md); // shared: not a difference
    }
}
