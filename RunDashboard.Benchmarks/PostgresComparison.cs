using System.Diagnostics;
using Npgsql;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.Postgres;

namespace RunDashboard.Benchmarks;

/// <summary>
/// <c>--storage --postgres "&lt;connection string&gt;"</c>: the same import and the same runs list on LiteDB and on
/// PostgreSQL, in one process, one after the other. The PostgreSQL side runs in a database of its own
/// (<c>rd_bench_…</c>, created and dropped here; the user needs CREATEDB), so it never touches the dashboard's data.
/// </summary>
public static class PostgresComparison
{
    public static async Task RunAsync(string dir, string log, string connectionString, int runs)
    {
        var admin = new NpgsqlConnectionStringBuilder(connectionString);
        var name = "rd_bench_" + Guid.NewGuid().ToString("N")[..12];
        Admin(admin, $"CREATE DATABASE {name}");
        try
        {
            var pg = new NpgsqlConnectionStringBuilder(connectionString) { Database = name }.ConnectionString;
            var file = Path.Combine(dir, "compare-litedb.db");
            File.Delete(file);
            File.Delete(Path.Combine(dir, "compare-litedb-log.db"));
            var mb = new FileInfo(log).Length / 1048576.0;
            Console.WriteLine();
            Console.WriteLine($"LiteDB vs PostgreSQL ({PostgresVersion(admin)}), same process, same {mb:F0} MB MLX-LM log and {runs:N0} runs:");
            Console.WriteLine("| store | import MB/s | import wall s | runs list (all runs) ms | run + one series ms |");
            Console.WriteLine("|---|---|---|---|---|");
            await Measure("LiteDB file", () => new RunStore(file), log, mb, runs);
            await Measure("PostgreSQL", () => new RunStore(new PostgresBackend(pg)), log, mb, runs);
        }
        finally
        {
            Admin(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    private static async Task Measure(string label, Func<RunStore> open, string log, double mb, int runs)
    {
        using var store = open();
        var imports = new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System);
        var sw = Stopwatch.StartNew();
        var report = await imports.ImportAsync([new UploadFile(Path.GetFileName(log), () => File.OpenRead(log))], new UploadOptions("bench"));
        var import = sw.Elapsed.TotalSeconds;
        var imported = report.Runs.Single();
        AddRuns(store, runs);
        var list = Best(5, () => store.ListRuns().Count);
        var one = Best(5, () => store.GetSeries(imported.Id, imported.Metrics[0].Key)!.Count + (store.GetRun(imported.Id) is null ? 0 : 1));
        Console.WriteLine($"| {label} | {mb / import:F0} | {import:F1} | {list * 1000:F1} | {one * 1000:F1} |");
    }

    /// <summary>Small runs as a W&amp;B project of many runs has: metadata, 20 hyperparameters, a 200-point series each.</summary>
    private static void AddRuns(RunStore store, int count)
    {
        var random = new Random(3);
        for (var i = 0; i < count; i++)
        {
            var stage = store.BeginImport();
            var context = new ImportContext($"run{i}.log", stage);
            var draft = context.Run();
            var writer = draft.Metric("loss");
            for (var s = 0; s < 200; s++) writer.Add(s, 3.0 - s * 0.01 + random.NextDouble() * 0.05, s + 1);
            context.Flush();
            stage.Commit([new Run
            {
                Id = draft.Id, Name = $"sweep-{i}", Project = $"project-{i % 7}", Source = RunSource.Upload, Tags = ["sweep", $"lr{i % 5}"],
                CreatedAt = DateTime.UtcNow.AddMinutes(-i), UpdatedAt = DateTime.UtcNow,
                Hyperparameters = Enumerable.Range(0, 20).Select(h => new Hyperparameter($"param_{h}", (i * h % 97).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList(),
                Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Alias = "loss", Count = 200, FirstStep = 0, LastStep = 199 }],
            }], []);
        }
    }

    private static double Best(int times, Func<int> action)
    {
        var best = double.MaxValue;
        for (var i = 0; i < times; i++)
        {
            var sw = Stopwatch.StartNew();
            GC.KeepAlive(action());
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static string PostgresVersion(NpgsqlConnectionStringBuilder admin)
    {
        using var conn = new NpgsqlConnection(admin.ConnectionString);
        conn.Open();
        return "PostgreSQL " + conn.PostgreSqlVersion;
    }

    private static void Admin(NpgsqlConnectionStringBuilder admin, string sql)
    {
        using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin.ConnectionString) { Pooling = false }.ConnectionString);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        cmd.ExecuteNonQuery();
    }
}
