using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace RunDashboard.Core.WandB;

/// <summary>
/// W&amp;B's GraphQL API as the official Python client uses it: run listing by cursor and history by
/// step range. Retries on 5xx, backoff and the circuit breaker live in the HttpClient's Polly handlers; 429s are
/// waited out here against a budget per sync round (<see cref="StartRound"/>); what is left becomes a
/// <see cref="WandbException"/> that says what to do. Text from W&amp;B is read as extended JSON (<see cref="WandbJson"/>).
/// </summary>
public sealed class WandbClient(HttpClient http, IOptions<WandbOptions> options, TimeProvider time)
{
    private TimeSpan _rateLimitWaited;
    private const string RunFragment = """
        fragment RunFragment on Run {
          id tags name displayName sweepName state config group jobType commit readOnly
          createdAt heartbeatAt description notes systemMetrics summaryMetrics historyLineCount
          user { name username }
          historyKeys
        }
        """;

    private const string RunsQuery = """
        query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
          project(name: $project, entityName: $entity) {
            internalId
            runCount(filters: $filters)
            runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
              edges { node { ...RunFragment } cursor }
              pageInfo { endCursor hasNextPage }
            }
          }
        }
        """ + RunFragment;

    private const string HistoryQuery = """
        query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
          project(name: $project, entityName: $entity) {
            run(name: $run) { history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize) }
          }
        }
        """;

    public async Task<WandbRunsPage> ListRunsAsync(string entity, string project, string? cursor, CancellationToken cancellationToken = default)
    {
        var data = await QueryAsync(RunsQuery, new Dictionary<string, object?>
        {
            ["entity"] = entity, ["project"] = project, ["cursor"] = cursor, ["perPage"] = options.Value.PerPage, ["order"] = "+created_at",
        }, cancellationToken);
        var proj = data.GetProperty("project");
        if (proj.ValueKind == JsonValueKind.Null) throw new WandbException(WandbError.GraphQl, $"W&B has no project '{entity}/{project}' (or the key cannot see it)");
        var runs = proj.GetProperty("runs");
        var list = runs.GetProperty("edges").EnumerateArray().Select(e => ParseRun(e.GetProperty("node"))).ToList();
        var pageInfo = runs.GetProperty("pageInfo");
        return new WandbRunsPage(list,
            pageInfo.TryGetProperty("endCursor", out var end) && end.ValueKind == JsonValueKind.String ? end.GetString() : null,
            pageInfo.TryGetProperty("hasNextPage", out var next) && next.ValueKind == JsonValueKind.True,
            proj.TryGetProperty("runCount", out var count) && count.ValueKind == JsonValueKind.Number ? count.GetInt32() : null);
    }

    /// <summary>Time spent waiting out 429s since <see cref="StartRound"/>.</summary>
    public TimeSpan RateLimitWaited => _rateLimitWaited;

    /// <summary>A sync round begins: the 429 wait budget (<see cref="WandbOptions.MaxRateLimitWait"/>) is full again.</summary>
    public void StartRound() => _rateLimitWaited = TimeSpan.Zero;

    /// <summary>
    /// History rows with <paramref name="minStep"/> ≤ <c>_step</c> &lt; <paramref name="maxStep"/>. W&amp;B returns every
    /// row of the range only when it holds at most <paramref name="samples"/> rows; a fuller range comes back
    /// downsampled to about <paramref name="samples"/> rows, so a complete read asks for windows no wider than that.
    /// </summary>
    public async Task<IReadOnlyList<WandbHistoryRow>> HistoryPageAsync(string entity, string project, string run, long minStep, long maxStep, int samples,
        CancellationToken cancellationToken = default)
    {
        var data = await QueryAsync(HistoryQuery, new Dictionary<string, object?>
        {
            ["entity"] = entity, ["project"] = project, ["run"] = run, ["minStep"] = minStep, ["maxStep"] = maxStep, ["pageSize"] = samples,
        }, cancellationToken);
        var runNode = data.TryGetProperty("project", out var proj) && proj.ValueKind == JsonValueKind.Object && proj.TryGetProperty("run", out var r) ? r : default;
        if (runNode.ValueKind != JsonValueKind.Object) throw new WandbException(WandbError.GraphQl, $"W&B has no run '{entity}/{project}/{run}'");
        if (!runNode.TryGetProperty("history", out var history) || history.ValueKind != JsonValueKind.Array) return [];
        var rows = new List<WandbHistoryRow>(history.GetArrayLength());
        foreach (var row in history.EnumerateArray())
        {
            // Each row is a JSON string of extended JSON; some servers send objects. Both are accepted.
            if (row.ValueKind != JsonValueKind.String)
            {
                rows.Add(new WandbHistoryRow(row.Clone(), null, null));
                continue;
            }
            var text = row.GetString()!;
            rows.Add(WandbJson.TryParse(text, out var parsed, out var error)
                ? new WandbHistoryRow(parsed, null, null)
                : new WandbHistoryRow(default, $"is not valid JSON at {error}: {Excerpt(text)}", StepHint(text)));
        }
        return rows;
    }

    /// <summary>The step of a row too broken to parse, when its text still shows one, so a problem can name it.</summary>
    private static long? StepHint(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, "\"_step\"\\s*:\\s*(\\d{1,18})(?:\\.0*)?(?![\\d.eE])");
        return match.Success ? long.Parse(match.Groups[1].ValueSpan, CultureInfo.InvariantCulture) : null;
    }

    private async Task<JsonElement> QueryAsync(string query, Dictionary<string, object?> variables, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { query, variables });
        for (var attempt = 1; ; attempt++)
        {
            using var response = await SendAsync(body, cancellationToken);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await WaitOutRateLimitAsync(response, attempt, cancellationToken);
                continue;
            }
            return await ReadAsync(response, cancellationToken);
        }
    }

    /// <summary>Waits as long as W&amp;B asked, unless the tries or the round's budget are spent: then the round stops, resumable.</summary>
    private async Task WaitOutRateLimitAsync(HttpResponseMessage response, int attempt, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var wait = WandbHttp.Delay(o, attempt, response);
        if (attempt >= o.RateLimitTries || _rateLimitWaited + wait > o.MaxRateLimitWait)
        {
            throw new WandbException(WandbError.RateLimited,
                $"W&B rate limited the key: HTTP 429 {attempt} time{(attempt == 1 ? "" : "s")} in a row, {_rateLimitWaited.TotalSeconds:F0} s waited this sync " +
                $"(WandB:RateLimitTries {o.RateLimitTries}, WandB:MaxRateLimitWait {o.MaxRateLimitWait.TotalSeconds:F0} s); the next sync resumes where this one stopped");
        }
        _rateLimitWaited += wait;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "graphql")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        if (options.Value.HasApiKey)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + options.Value.ApiKey)));
        }
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            throw new WandbException(WandbError.Unavailable, $"W&B kept failing; requests are paused for {options.Value.BreakFor.TotalSeconds:F0} s", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new WandbException(WandbError.Unavailable, $"W&B did not answer within {options.Value.RequestTimeout.TotalSeconds:F0} s, {options.Value.Retries + 1} times", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new WandbException(WandbError.Unavailable, $"cannot reach W&B at {http.BaseAddress}: {ex.Message}", ex);
        }
    }

    private async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new WandbException(WandbError.Unauthorized, options.Value.HasApiKey
                ? $"W&B refused the API key (HTTP {status}); check WandB:ApiKey or WANDB_API_KEY"
                : $"W&B wants an API key (HTTP {status}); set WandB:ApiKey or WANDB_API_KEY");
        }
        if (status >= 500)
        {
            throw new WandbException(WandbError.Unavailable, $"W&B answered HTTP {status} after {options.Value.Retries + 1} attempts");
        }
        if (!response.IsSuccessStatusCode) throw new WandbException(WandbError.BadResponse, $"W&B answered HTTP {status}");
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!WandbJson.TryParse(body, out var root, out var error))
        {
            throw new WandbException(WandbError.BadResponse, $"W&B's answer is not valid JSON ({error}): {Excerpt(Encoding.UTF8.GetString(body))}");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new WandbException(WandbError.BadResponse, "W&B's answer is not a JSON object");
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            var messages = errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) ? m.ToString() : e.ToString());
            throw new WandbException(WandbError.GraphQl, "W&B answered with errors: " + string.Join("; ", messages));
        }
        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw new WandbException(WandbError.BadResponse, "W&B's answer has no data");
        }
        return data;
    }

    private static string Excerpt(string text) => text.Length <= 80 ? text : text[..80] + "…";

    internal static WandbRun ParseRun(JsonElement node)
    {
        var problems = new List<string>();
        var historyKeys = Embedded(node, "historyKeys", problems);
        return new WandbRun
        {
            Name = node.GetProperty("name").GetString()!,
            DisplayName = Str(node, "displayName"),
            State = Str(node, "state") ?? "",
            Tags = node.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Select(t => t.ValueKind == JsonValueKind.String ? t.GetString() : null).OfType<string>().ToList() : [],
            Group = Str(node, "group"),
            JobType = Str(node, "jobType"),
            Notes = Str(node, "notes"),
            User = node.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object ? Str(user, "username") ?? Str(user, "name") : null,
            CreatedAt = Time(Str(node, "createdAt")),
            HeartbeatAt = Time(Str(node, "heartbeatAt")),
            Config = Embedded(node, "config", problems),
            Summary = Embedded(node, "summaryMetrics", problems),
            LastStep = historyKeys.ValueKind == JsonValueKind.Object && historyKeys.TryGetProperty("lastStep", out var last) && WandbValues.TryStep(last, out var step)
                ? step : null,
            HistoryLineCount = node.TryGetProperty("historyLineCount", out var lines) && WandbValues.TryStep(lines, out var count) ? count : null,
            Problems = problems,
        };
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>
    /// config, summaryMetrics and historyKeys come as JSON strings of extended JSON (or, from some servers, as
    /// objects). One that cannot be read is a problem of that run, not of the listing: the other runs go on.
    /// </summary>
    private static JsonElement Embedded(JsonElement node, string name, List<string> problems)
    {
        if (!node.TryGetProperty(name, out var v)) return default;
        if (v.ValueKind != JsonValueKind.String) return v.Clone();
        var text = v.GetString()!;
        if (WandbJson.TryParse(text, out var parsed, out var error)) return parsed;
        problems.Add($"{name} is not valid JSON at {error}: {Excerpt(text)}; left out");
        return default;
    }

    private static DateTime? Time(string? text) =>
        text is not null && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
