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
/// A W&amp;B GraphQL server on loopback that answers the operations the official client sends (run listing, history
/// by step range) the way the service does, not the way a client would like it to:
/// <list type="bullet">
/// <item><c>history(minStep, maxStep, samples)</c> returns every row of the range only when the range holds at most
/// <c>samples</c> rows; a fuller range is downsampled to about <c>samples</c> rows spread over it, picked at random
/// within their stretch (so a one-sample query is not the first row).</item>
/// <item>rows are extended JSON text as the Python backend writes it: bare <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c>.</item>
/// <item>cursors are opaque strings, <c>historyKeys</c> is an object, <c>historyLineCount</c> counts the rows.</item>
/// </list>
/// It can be told to fail, and counts what it was asked.
/// </summary>
public sealed class FakeWandbServer : IAsyncDisposable
{
    public const string ApiKey = "fake-key-0123456789abcdef";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Func<HttpContext, Task>> _faults = new();
    private readonly ConcurrentDictionary<string, int> _cursors = new(StringComparer.Ordinal);
    private readonly Random _random = new(20250904);
    private long _requestNumber;

    private FakeWandbServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public Dictionary<string, List<FakeRun>> Projects { get; } = [];
    public List<(DateTime At, string Kind)> Requests { get; } = [];
    public int ListRequests => Count("runs");
    public int HistoryRequests => Count("history");

    /// <summary>History requests as asked: run, minStep, maxStep (exclusive), samples.</summary>
    public List<(string Run, long Min, long Max, int Samples)> HistoryAsked { get; } = [];

    /// <summary>Every history request for this run answers 500 while set.</summary>
    public string? FailHistoryOf { get; set; }

    /// <summary>From the <c>n</c>th request on (1-based), <c>count</c> requests answer 429 with this Retry-After.</summary>
    public (long From, int Count, int RetryAfterSeconds)? RateLimit { get; set; }

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

    private int Count(string kind)
    {
        lock (Requests) return Requests.Count(r => r.Kind == kind);
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
            _faults.Enqueue(context => Fail(context, status, retryAfterSeconds));
        }
    }

    private static async Task Fail(HttpContext context, int status, int? retryAfterSeconds)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } s) context.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsync("{\"error\":\"fake failure\"}");
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
        var number = Interlocked.Increment(ref _requestNumber);

        if (RateLimit is { } limit && number >= limit.From && number < limit.From + limit.Count)
        {
            await Fail(context, 429, limit.RetryAfterSeconds);
            return;
        }
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

    /// <summary>W&amp;B's cursors are opaque: nothing about them says where a page starts.</summary>
    private string Cursor(int index)
    {
        var cursor = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        _cursors[cursor] = index;
        return cursor;
    }

    private JsonObject RunsPage(List<FakeRun> runs, JsonObject v)
    {
        var perPage = v["perPage"]!.GetValue<int>();
        var start = v["cursor"] is JsonValue c ? _cursors[c.GetValue<string>()] : 0;
        var page = runs.Skip(start).Take(perPage).ToList();
        var edges = new JsonArray();
        for (var i = 0; i < page.Count; i++) edges.Add(new JsonObject { ["node"] = page[i].ToNode(), ["cursor"] = Cursor(start + i + 1) });
        return new JsonObject
        {
            ["project"] = new JsonObject
            {
                ["internalId"] = "UHJvamVjdDox",
                ["runCount"] = runs.Count,
                ["runs"] = new JsonObject
                {
                    ["edges"] = edges,
                    ["pageInfo"] = new JsonObject { ["endCursor"] = Cursor(start + page.Count), ["hasNextPage"] = start + page.Count < runs.Count },
                },
            },
        };
    }

    private JsonObject History(List<FakeRun> runs, JsonObject v)
    {
        var run = runs.FirstOrDefault(r => r.Name == v["run"]!.GetValue<string>());
        if (run is null) return new JsonObject { ["project"] = new JsonObject { ["run"] = null } };
        var min = v["minStep"]!.GetValue<long>();
        var max = v["maxStep"]!.GetValue<long>();
        var samples = v["pageSize"]!.GetValue<int>();
        lock (HistoryAsked) HistoryAsked.Add((run.Name, min, max, samples));
        var (from, to) = run.Range(min, max);
        var rows = new JsonArray();
        var n = to - from;
        if (n <= samples)
        {
            for (var i = from; i < to; i++) rows.Add(run.History[i].Json);
        }
        else
        {
            // The service's sampling: about `samples` rows spread over the range, one picked at random in each stretch.
            var stretch = (double)n / samples;
            for (var k = 0; k < samples; k++)
            {
                var lo = from + (int)(k * stretch);
                var hi = Math.Max(lo + 1, from + (int)((k + 1) * stretch));
                int pick;
                lock (_random) pick = _random.Next(lo, hi);
                rows.Add(run.History[pick].Json);
            }
        }
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

    /// <summary>Rows in step order, each the text W&amp;B stores: a JSON string per row.</summary>
    public List<(long Step, string Json)> History { get; } = [];
    public DateTime CreatedAt { get; set; } = new(2025, 9, 4, 21, 59, 42, DateTimeKind.Utc);

    /// <summary>W&amp;B's <c>historyLineCount</c>; by default the number of rows.</summary>
    public long? HistoryLineCount { get; set; }

    /// <summary>Runs logged by old clients have <c>historyKeys</c> without <c>lastStep</c>.</summary>
    public bool HistoryKeysWithoutLastStep { get; set; }

    /// <summary>Appends steps from..to (inclusive, every <paramref name="every"/>th) with a falling loss and a learning rate.</summary>
    public FakeRun Steps(long from, long to, long every = 1)
    {
        for (var s = from; s <= to; s += every)
        {
            var row = new JsonObject
            {
                ["_step"] = s, ["_runtime"] = s * 1.5, ["_timestamp"] = 1757000000 + s * 1.5,
                ["train/loss"] = 3.0 - s * 0.0001, ["train/learning_rate"] = 4.68e-05,
            };
            if (s % 50 == 0) row["eval/loss"] = 3.1 - s * 0.0001;
            if (s == 7) row["media/sample"] = new JsonObject { ["_type"] = "image-file", ["path"] = "media/x.png" };
            Row(s, row.ToJsonString());
        }
        return this;
    }

    /// <summary>Appends a row as raw text (extended JSON, float steps, broken rows), at its step in order.</summary>
    public FakeRun Row(long step, string text)
    {
        var at = History.Count;
        while (at > 0 && History[at - 1].Step > step) at--;
        History.Insert(at, (step, text));
        return this;
    }

    /// <summary>Indexes [from, to) of the rows with minStep ≤ step &lt; maxStep.</summary>
    internal (int From, int To) Range(long minStep, long maxStep)
    {
        int Lower(long step)
        {
            int lo = 0, hi = History.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (History[mid].Step < step) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
        return (Lower(minStep), Math.Max(Lower(minStep), Lower(maxStep)));
    }

    public JsonObject ToNode()
    {
        var keys = new JsonObject();
        foreach (var key in new[] { "_step", "train/loss", "train/learning_rate" })
        {
            keys[key] = new JsonObject { ["typeCounts"] = new JsonArray(new JsonObject { ["type"] = "number", ["count"] = History.Count }) };
        }
        var historyKeys = new JsonObject { ["keys"] = keys };
        if (!HistoryKeysWithoutLastStep) historyKeys["lastStep"] = History.Count == 0 ? 0 : History[^1].Step;
        return new JsonObject
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
            ["historyLineCount"] = HistoryLineCount ?? History.Count,
            ["historyKeys"] = historyKeys,
            ["user"] = new JsonObject { ["name"] = "Ada", ["username"] = "ada" },
        };
    }
}
