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
/// W&amp;B's GraphQL API as the official client uses it (wandb-api.md): run listing by cursor and history by
/// step range. Retries, backoff and the circuit breaker live in the HttpClient's Polly handlers; this class turns
/// what is left into a <see cref="WandbException"/> that says what to do.
/// </summary>
public sealed class WandbClient(HttpClient http, IOptions<WandbOptions> options)
{
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

    /// <summary>History rows with <paramref name="minStep"/> ≤ <c>_step</c> &lt; <paramref name="maxStep"/>, at most a page of them.</summary>
    public async Task<IReadOnlyList<JsonElement>> HistoryPageAsync(string entity, string project, string run, long minStep, long maxStep, CancellationToken cancellationToken = default)
    {
        var data = await QueryAsync(HistoryQuery, new Dictionary<string, object?>
        {
            ["entity"] = entity, ["project"] = project, ["run"] = run, ["minStep"] = minStep, ["maxStep"] = maxStep,
            ["pageSize"] = options.Value.HistoryPageSize,
        }, cancellationToken);
        var runNode = data.GetProperty("project").GetProperty("run");
        if (runNode.ValueKind == JsonValueKind.Null) throw new WandbException(WandbError.GraphQl, $"W&B has no run '{entity}/{project}/{run}'");
        var rows = new List<JsonElement>();
        foreach (var row in runNode.GetProperty("history").EnumerateArray())
        {
            // Each row is a JSON string; some servers send objects. Both are accepted.
            rows.Add(row.ValueKind == JsonValueKind.String ? ParseJson(row.GetString()!, "history row") : row.Clone());
        }
        return rows;
    }

    private async Task<JsonElement> QueryAsync(string query, Dictionary<string, object?> variables, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "graphql")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query, variables }), Encoding.UTF8, "application/json"),
        };
        if (options.Value.HasApiKey)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + options.Value.ApiKey)));
        }
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
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
        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new WandbException(WandbError.Unauthorized, options.Value.HasApiKey
                    ? $"W&B refused the API key (HTTP {status}); check WandB:ApiKey or WANDB_API_KEY"
                    : $"W&B wants an API key (HTTP {status}); set WandB:ApiKey or WANDB_API_KEY");
            }
            if (status == 429 || status >= 500)
            {
                throw new WandbException(WandbError.Unavailable, $"W&B answered HTTP {status} {(status == 429 ? "(rate limited)" : "")} after {options.Value.Retries + 1} attempts".Replace("  ", " "));
            }
            if (!response.IsSuccessStatusCode) throw new WandbException(WandbError.BadResponse, $"W&B answered HTTP {status}");
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var root = ParseJson(body, "answer");
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var messages = errors.EnumerateArray().Select(e => e.TryGetProperty("message", out var m) ? m.GetString() : e.ToString());
                throw new WandbException(WandbError.GraphQl, "W&B answered with errors: " + string.Join("; ", messages));
            }
            if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                throw new WandbException(WandbError.BadResponse, "W&B's answer has no data");
            }
            return data;
        }
    }

    private static JsonElement ParseJson(string text, string what)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true });
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new WandbException(WandbError.BadResponse,
                $"W&B's {what} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {Excerpt(text)}", ex);
        }
    }

    private static string Excerpt(string text) => text.Length <= 80 ? text : text[..80] + "…";

    internal static WandbRun ParseRun(JsonElement node)
    {
        return new WandbRun
        {
            Name = node.GetProperty("name").GetString()!,
            DisplayName = Str(node, "displayName"),
            State = Str(node, "state") ?? "",
            Tags = node.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array
                ? tags.EnumerateArray().Select(t => t.GetString()).OfType<string>().ToList() : [],
            Group = Str(node, "group"),
            JobType = Str(node, "jobType"),
            Notes = Str(node, "notes"),
            User = node.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object ? Str(user, "username") ?? Str(user, "name") : null,
            CreatedAt = Time(Str(node, "createdAt")),
            HeartbeatAt = Time(Str(node, "heartbeatAt")),
            Config = Embedded(node, "config"),
            Summary = Embedded(node, "summaryMetrics"),
            LastStep = Embedded(node, "historyKeys") is { ValueKind: JsonValueKind.Object } keys && keys.TryGetProperty("lastStep", out var last) && last.ValueKind == JsonValueKind.Number
                ? last.GetInt64() : null,
        };
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>config, summaryMetrics and historyKeys come as JSON strings (or, from some servers, as objects).</summary>
    private static JsonElement Embedded(JsonElement node, string name)
    {
        if (!node.TryGetProperty(name, out var v)) return default;
        if (v.ValueKind == JsonValueKind.String) return ParseJson(v.GetString()!, name);
        return v.Clone();
    }

    private static DateTime? Time(string? text) =>
        text is not null && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
