using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace RunDashboard.Tests.Support;

/// <summary>
/// A W&amp;B GraphQL server on loopback that answers the operations of wandb-api.md (run listing with cursor
/// pagination, paged history) from an in-memory model, can be told to fail, and counts what it was asked.
/// </summary>
public sealed class FakeWandbServer : IAsyncDisposable
{
    public const string ApiKey = "fake-key-0123456789abcdef";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _faults = new();

    private FakeWandbServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public Dictionary<string, List<FakeRun>> Projects { get; } = [];
    public List<(DateTime At, string Kind)> Requests { get; } = [];
    public int ListRequests => Requests.Count(r => r.Kind == "runs");
    public int HistoryRequests => Requests.Count(r => r.Kind == "history");

    /// <summary>Every history request for this run answers 500 while set.</summary>
    public string? FailHistoryOf { get; set; }

    public static async Task<FakeWandbServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeWandbServer? server = null;
        app.MapPost("/graphql", (HttpContext context) => server!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeWandbServer(app, address.TrimEnd('/'));
        return server;
    }

    public List<FakeRun> Project(string name)
    {
        if (!Projects.TryGetValue(name, out var runs)) Projects[name] = runs = [];
        return runs;
    }

    /// <summary>The next request gets this status (and Retry-After seconds) instead of an answer.</summary>
    public void FailNext(int status, int? retryAfterSeconds = null, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _faults.Enqueue(async context =>
            {
                context.Response.StatusCode = status;
                if (retryAfterSeconds is { } s) context.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
                await context.Response.WriteAsync("{\"error\":\"fake failure\"}");
            });
        }
    }

    /// <summary>The next request gets this body with a 200.</summary>
    public void AnswerNext(string body) => _faults.Enqueue(context =>
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    });

    private async Task HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var query = body!["query"]!.GetValue<string>();
        var variables = body["variables"]!.AsObject();
        var kind = query.Contains("history(", StringComparison.Ordinal) ? "history" : query.Contains("runs(", StringComparison.Ordinal) ? "runs" : "other";
        lock (Requests) Requests.Add((DateTime.UtcNow, kind));

        if (kind == "history" && FailHistoryOf is { } failing && variables["run"]!.GetValue<string>() == failing)
        {
            context.Response.StatusCode = 500;
            return;
        }
        if (_faults.TryDequeue(out var fault))
        {
            await fault(context);
            return;
        }
        if (context.Request.Headers.Authorization.ToString() != "Basic " + Convert.ToBase64String("api:"u8.ToArray().Concat(System.Text.Encoding.UTF8.GetBytes(ApiKey)).ToArray()))
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("{\"errors\":[{\"message\":\"user is not logged in\"}]}");
            return;
        }
        var projectName = $"{variables["entity"]!.GetValue<string>()}/{variables["project"]!.GetValue<string>()}";
        context.Response.ContentType = "application/json";
        if (!Projects.TryGetValue(projectName, out var runs))
        {
            await context.Response.WriteAsync($"{{\"errors\":[{{\"message\":\"project not found: {projectName}\",\"path\":[\"project\"]}}],\"data\":{{\"project\":null}}}}");
            return;
        }
        JsonNode answer = kind == "history" ? History(runs, variables) : RunsPage(runs, variables);
        await context.Response.WriteAsync(new JsonObject { ["data"] = answer }.ToJsonString());
    }

    private static JsonObject RunsPage(List<FakeRun> runs, JsonObject v)
    {
        var perPage = v["perPage"]!.GetValue<int>();
        var start = v["cursor"] is JsonValue c ? int.Parse(c.GetValue<string>(), CultureInfo.InvariantCulture) : 0;
        var page = runs.Skip(start).Take(perPage).ToList();
        var edges = new JsonArray();
        for (var i = 0; i < page.Count; i++) edges.Add(new JsonObject { ["node"] = page[i].ToNode(), ["cursor"] = (start + i + 1).ToString(CultureInfo.InvariantCulture) });
        return new JsonObject
        {
            ["project"] = new JsonObject
            {
                ["internalId"] = "UHJvamVjdDox",
                ["runCount"] = runs.Count,
                ["runs"] = new JsonObject
                {
                    ["edges"] = edges,
                    ["pageInfo"] = new JsonObject { ["endCursor"] = (start + page.Count).ToString(CultureInfo.InvariantCulture), ["hasNextPage"] = start + page.Count < runs.Count },
                },
            },
        };
    }

    private static JsonObject History(List<FakeRun> runs, JsonObject v)
    {
        var run = runs.FirstOrDefault(r => r.Name == v["run"]!.GetValue<string>());
        if (run is null) return new JsonObject { ["project"] = new JsonObject { ["run"] = null } };
        var min = v["minStep"]!.GetValue<long>();
        var max = v["maxStep"]!.GetValue<long>();
        var size = v["pageSize"]!.GetValue<int>();
        var rows = new JsonArray();
        foreach (var row in run.History.Where(r => r.Step >= min && r.Step < max).OrderBy(r => r.Step).Take(size)) rows.Add(row.Json);
        return new JsonObject { ["project"] = new JsonObject { ["run"] = new JsonObject { ["history"] = rows } } };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed class FakeRun
{
    public required string Name { get; init; }
    public string DisplayName { get; set; } = "";
    public string State { get; set; } = "finished";
    public List<string> Tags { get; set; } = [];
    public string Config { get; set; } = "{}";
    public string Summary { get; set; } = "{}";
    public string? Group { get; set; }
    public List<(long Step, string Json)> History { get; } = [];
    public DateTime CreatedAt { get; set; } = new(2025, 9, 4, 21, 59, 42, DateTimeKind.Utc);

    /// <summary>Appends steps from..to (inclusive) with a falling loss and a learning rate, as W&amp;B rows (JSON strings).</summary>
    public FakeRun Steps(long from, long to)
    {
        for (var s = from; s <= to; s++)
        {
            var row = new JsonObject
            {
                ["_step"] = s, ["_runtime"] = s * 1.5, ["_timestamp"] = 1757000000 + s * 1.5,
                ["train/loss"] = 3.0 - s * 0.001, ["train/learning_rate"] = 4.68e-05,
            };
            if (s % 50 == 0) row["eval/loss"] = 3.1 - s * 0.001;
            if (s == 7) row["media/sample"] = new JsonObject { ["_type"] = "image-file", ["path"] = "media/x.png" };
            History.Add((s, row.ToJsonString()));
        }
        return this;
    }

    public JsonObject ToNode() => new()
    {
        ["id"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("Run:" + Name)),
        ["name"] = Name,
        ["displayName"] = DisplayName,
        ["state"] = State,
        ["tags"] = new JsonArray(Tags.Select(t => (JsonNode)t).ToArray()),
        ["config"] = Config,
        ["summaryMetrics"] = Summary,
        ["group"] = Group,
        ["jobType"] = "train",
        ["notes"] = null,
        ["createdAt"] = CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        ["heartbeatAt"] = CreatedAt.AddMinutes(30).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture),
        ["historyLineCount"] = History.Count,
        ["historyKeys"] = JsonSerializer.Serialize(new { keys = new { }, lastStep = History.Count == 0 ? 0 : History.Max(h => h.Step) }),
        ["user"] = new JsonObject { ["name"] = "Ada", ["username"] = "ada" },
    };
}
