using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using LiteDB;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Security;

/// <summary>
/// The dashboard as a real process (<c>dotnet RunDashboard.dll</c>) killed with SIGKILL in the middle of an import and
/// of a delete: afterwards the database opens, and each change is there whole or not at all.
/// </summary>
[Trait("Category", "Slow")]
public class CrashTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DatabasePath => _dir.File("data.db");

    /// <summary>An MLX-LM log of about <paramref name="lines"/> × 120 bytes.</summary>
    private string WriteLog(int lines) => MlxLogs.Write(_dir.File("big.log"), lines);

    private Task<DashboardProcess> StartChildAsync() => DashboardProcess.StartAsync($"--Storage:DatabasePath={DatabasePath}");

    private static MultipartFormDataContent Form(string path)
    {
        var form = new MultipartFormDataContent();
        var file = new StreamContent(File.OpenRead(path), 1 << 20);
        file.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        form.Add(file, "file", "big.log");
        return form;
    }

    /// <summary>Every stored run has exactly the points its metrics announce, and no chunk belongs to a run that is not stored.</summary>
    private static (int Runs, long Points) AssertWhole(RunStore store)
    {
        var chunks = store.Database.GetCollection(RunStore.ChunksCollection);
        var runs = store.ListRuns();
        var known = runs.Select(r => r.Id).ToHashSet();
        foreach (var run in runs)
        {
            foreach (var metric in run.Metrics)
            {
                var stored = store.ReadChunks(run.Id, metric.Key).Sum(c => (long)c.Count);
                Assert.Equal(metric.Count, stored);
            }
        }
        Assert.Equal(0, chunks.Query().Select(BsonExpression.Create("{ r: $.RunId }")).ToDocuments().Count(d => !known.Contains(d["r"].AsString)));
        return (runs.Count, runs.Sum(r => r.Metrics.Sum(m => m.Count)));
    }

    [Fact]
    public async Task Killed_during_an_import_the_database_opens_without_the_half_import()
    {
        var log = WriteLog(1_000_000);
        using (var child = await StartChildAsync())
        {
            var upload = child.Client.PostAsync(child.BaseUrl + "/api/uploads", Form(log));
            // A body this large is parsed while it arrives: the receiver writes it into the data folder's tmp/<pid>/ or
            // beside the database (<db>.pending/<pid>/), and the import reads the file as it grows. Killing when about
            // half of the body is there lands in the middle of the import whatever the machine's speed: no run can
            // commit before the whole body has arrived.
            var pid = child.Process.Id.ToString(CultureInfo.InvariantCulture);
            var tmp = Path.Combine(_dir.Path, "tmp", pid);
            var pending = Path.Combine(DatabasePath + ".pending", pid);
            var size = new FileInfo(log).Length;
            long Largest() => new[] { tmp, pending }.Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFiles(d)).Select(f => new FileInfo(f).Length).DefaultIfEmpty(0).Max();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (Largest() < size / 2 && DateTime.UtcNow < deadline) await Task.Delay(5);
            Assert.True(Largest() < size, "the whole body arrived before the kill; the log is too small to test this");
            child.Kill();
            await Assert.ThrowsAnyAsync<Exception>(() => upload);
            Assert.True(Largest() >= size / 2, "the killed process left its partial upload body behind, as expected");
        }

        using (var store = new RunStore(DatabasePath))
        {
            var (runs, _) = AssertWhole(store);
            Assert.Equal(0, runs);
            Assert.Equal(0, store.Database.GetCollection(RunStore.ChunksCollection).Count());
            Assert.Empty(store.Uploads.List());
        }

        // The next start removes what the killed process left in tmp/, and the body of the import that never committed.
        using var again = await StartChildAsync();
        foreach (var folder in new[] { Path.Combine(_dir.Path, "tmp"), DatabasePath + ".pending" })
        {
            if (Directory.Exists(folder)) Assert.Empty(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories));
        }
    }

    [Fact]
    public async Task Killed_during_a_delete_the_run_is_there_whole_or_gone_whole()
    {
        var log = WriteLog(600_000);
        string id;
        long points;
        bool finishedBeforeKill;
        using (var child = await StartChildAsync())
        {
            var response = await child.Client.PostAsync(child.BaseUrl + "/api/uploads", Form(log));
            Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
            var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            id = body.GetProperty("runs")[0].GetProperty("id").GetString()!;

            var delete = child.Client.DeleteAsync($"{child.BaseUrl}/api/runs/{id}");
            // Deleting ~900 chunks takes a few hundred milliseconds here; the kill lands while the request is in flight.
            await Task.Delay(50);
            child.Kill();
            // The answer may have arrived in the instant before the kill: then the delete had committed.
            try
            {
                finishedBeforeKill = (await delete).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                finishedBeforeKill = false;
            }
        }

        using var store = new RunStore(DatabasePath);
        var (runs, stored) = AssertWhole(store);
        points = stored;
        Assert.True(runs == 0 || (runs == 1 && store.GetRun(id) is not null && points >= 600_000 * 5),
            $"{runs} runs, {points} points after the kill");
        if (runs == 0) Assert.Equal(0, store.Database.GetCollection(RunStore.ChunksCollection).Count());
        // A delete that answered before the kill is durable.
        if (finishedBeforeKill) Assert.Equal(0, runs);
    }

    public void Dispose() => _dir.Dispose();
}
