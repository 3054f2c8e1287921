using System.Collections.Concurrent;
using Npgsql;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;
using RunDashboard.Core.Storage.Postgres;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage.Postgres;

/// <summary>
/// What only a shared database has to get right: several stores (as several dashboard instances) on one PostgreSQL
/// database see each other's changes, never each other's half-done imports, and start together safely.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class SharedDatabaseTests : IDisposable
{
    private const string Db = "shared";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TestStores _stores = new(StorageProvider.Postgres);

    private static Task<ImportReport> Import(RunStore store, string fixture) =>
        new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System)
            .ImportAsync([new UploadFile(fixture, () => Fixture.Open(fixture))], new UploadOptions("lab"));

    /// <summary>Every id <paramref name="store"/> raises RunsChanged for, from now on.</summary>
    private static ConcurrentQueue<string> Heard(RunStore store)
    {
        var heard = new ConcurrentQueue<string>();
        store.RunsChanged += ids =>
        {
            foreach (var id in ids) heard.Enqueue(id);
        };
        return heard;
    }

    /// <summary>Waits until <paramref name="id"/> was heard; notifications arrive on the listener's own schedule.</summary>
    private static async Task WaitFor(ConcurrentQueue<string> heard, string id)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!heard.Contains(id)) await Task.Delay(50, cts.Token);
    }

    /// <summary>Two-point chunks, 256 of them: two whole batches, so all of them reach the database before any commit.</summary>
    private const int StagedChunks = 256;
    private const int StagedPoints = 2 * StagedChunks;

    /// <summary>Stages a run of <see cref="StagedPoints"/> loss points and waits until its chunks are in the database.</summary>
    private static RunDraft Stage(StagedImport stage, string file)
    {
        var context = new ImportContext(file, stage, chunkSize: 2);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        for (var step = 0; step < StagedPoints; step++) writer.Add(step, 1.0 / (step + 1), step + 1);
        context.Flush();
        stage.WaitForWrites();
        return draft;
    }

    private List<T> Query<T>(string sql, Func<NpgsqlDataReader, T> read)
    {
        using var conn = new NpgsqlConnection(_stores.ConnectionString(Db));
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(read(r));
        return list;
    }

    [Fact]
    public async Task An_import_on_one_instance_is_heard_and_read_on_the_other()
    {
        using var a = _stores.Open(Db);
        using var b = _stores.Open(Db);
        var heard = Heard(b);

        var id = (await Import(a, "mlx_lm_lora_run3.log")).Runs[0].Id;

        await WaitFor(heard, id);
        Assert.Equal(36, b.GetSeries(id, MetricKeys.TrainLoss)!.Count);
        Assert.Equal("lab", b.GetRun(id)!.Project);
    }

    [Fact]
    public async Task A_delete_on_one_instance_is_heard_on_the_other()
    {
        using var a = _stores.Open(Db);
        using var b = _stores.Open(Db);
        var id = (await Import(a, "mlx_lm_lora_run3.log")).Runs[0].Id;
        var heard = Heard(b);

        Assert.True(a.DeleteRun(id));

        await WaitFor(heard, id);
        Assert.Null(b.GetRun(id));
        Assert.Null(b.GetSeries(id, MetricKeys.TrainLoss));
        Assert.Equal(0, b.Backend.CountRows().Chunks);
    }

    [Fact]
    public void Staged_chunks_are_invisible_to_other_instances_until_the_commit()
    {
        using var a = _stores.Open(Db);
        using var b = _stores.Open(Db);
        var stage = a.BeginImport();
        var draft = Stage(stage, "big.log");
        var run = new Run { Id = draft.Id, Name = "big", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = StagedPoints, LastStep = StagedPoints - 1 }] };

        Assert.Equal(StagedChunks, b.Backend.CountRows().Chunks); // stored, and yet:
        Assert.Empty(b.ReadChunks(draft.Id, MetricKeys.TrainLoss));
        Assert.Null(b.GetRun(draft.Id));

        stage.Commit([run], []);

        Assert.Equal(StagedPoints, b.GetSeries(draft.Id, MetricKeys.TrainLoss)!.Count);
    }

    [Fact]
    public void An_instance_starting_leaves_a_live_instances_pending_import_alone_and_removes_a_dead_ones()
    {
        using var live = _stores.Open(Db);
        var liveStage = live.BeginImport();
        var liveDraft = Stage(liveStage, "live.log");

        var dead = _stores.Open(Db);
        Stage(dead.BeginImport(), "dead.log");
        dead.Dispose(); // its session ends without a commit or an abort: what a killed process leaves

        using var starting = _stores.Open(Db);

        Assert.Equal(1, starting.Backend.CountRows().PendingImports);
        Assert.Equal(StagedChunks, starting.Backend.CountRows().Chunks); // the live import's; the dead one's are gone
        liveStage.Commit([new Run { Id = liveDraft.Id, Name = "live", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = StagedPoints, LastStep = StagedPoints - 1 }] }], []);
        Assert.Equal(StagedPoints, starting.GetSeries(liveDraft.Id, MetricKeys.TrainLoss)!.Count);
        Assert.Equal(0, starting.Backend.CountRows().PendingImports);
    }

    [Fact]
    public async Task Instances_starting_together_apply_each_migration_once()
    {
        var cs = _stores.ConnectionString(Db);

        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => new RunStore(new PostgresBackend(cs)))));
        foreach (var s in stores) s.Dispose();

        var versions = Query("SELECT version FROM schema_migrations ORDER BY version", r => r.GetInt32(0));
        Assert.Equal(Enumerable.Range(1, PostgresSchema.Latest), versions);
    }

    [Fact]
    public void Upload_bytes_are_stored_in_pieces_and_read_back_whole()
    {
        using var store = _stores.Open(Db);
        // Incompressible bytes, so the deflated copy spans several 1 MB pieces.
        var bytes = new byte[3 * PostgresBackend.PieceBytes + 12_345];
        new Random(5).NextBytes(bytes);

        Assert.Equal(bytes.Length, store.Uploads.StoreBytes("u1", "big.bin", new MemoryStream(bytes)));

        Assert.True(Query("SELECT count(*) FROM upload_pieces WHERE upload_id = 'u1'", r => r.GetInt64(0)).Single() >= 4);
        using var read = store.Uploads.OpenBytes("u1");
        using var copy = new MemoryStream();
        read.CopyTo(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task A_listener_whose_connection_is_killed_reconnects_and_hears_changes_again()
    {
        using var a = _stores.Open(Db);
        using var b = _stores.Open(Db);
        var heard = Heard(b);

        // The server ends every session of the listening kind (LISTEN is visible as the query of an idle backend).
        var killed = Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%LISTEN%' AND pid <> pg_backend_pid()", r => r.GetBoolean(0));
        Assert.Equal([true, true], killed); // A's and B's listeners
        // Changes made while B is reconnecting are announced as "every run may have changed" once it is back,
        // so B hears the new run either way.
        var id = (await Import(a, "mlx_lm_lora_run3.log")).Runs[0].Id;

        await WaitFor(heard, id);
        Assert.NotNull(b.GetRun(id));
    }

    [Fact]
    public void A_connection_string_that_is_not_one_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new PostgresBackend("this is not=a;connection string;;="));
        Assert.Contains("Storage:ConnectionString", e.Message);
    }

    [Fact]
    public void A_server_that_does_not_answer_is_a_clear_error_naming_the_setting()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new PostgresBackend("Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=3"));

        Assert.Contains("127.0.0.1:1/none", e.Message);
        Assert.Contains("Storage:ConnectionString", e.Message);
    }

    public void Dispose() => _stores.Dispose();
}
