using System.Text.Json;
using LiteDB;
using Npgsql;
using NpgsqlTypes;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// PostgreSQL, shared by several dashboard instances. Runs are rows with their metadata as <c>jsonb</c> and indexed
/// columns for the runs list; series chunks are <c>bytea</c> rows with the same codec as LiteDB; uploads' bytes are
/// stored deflated in 1 MB pieces. The schema is migrated at open (<see cref="PostgresSchema"/>).
/// <para>
/// Imports: chunks are inserted (binary COPY) under a row of <c>pending_imports</c>; every read skips chunks of
/// pending imports, so a staged series is invisible until the commit transaction ends the pending row and writes the
/// runs. A pending import belongs to an instance, which holds an advisory lock on its key for as long as it runs
/// (on its listening connection); at open, pending imports of instances whose lock is free (the process died) are
/// removed with their chunks, while imports of live instances are left alone.
/// </para>
/// <para>
/// Every commit and delete sends <c>NOTIFY rundashboard_runs</c> in its transaction; each instance listens
/// (<see cref="PostgresRunsListener"/>) and raises <see cref="RunsChanged"/> for changes made by the others.
/// </para>
/// </summary>
public sealed partial class PostgresBackend : IStorageBackend
{
    internal const string Channel = "rundashboard_runs";

    private readonly NpgsqlDataSource _source;
    private readonly PostgresRunsListener _listener;

    public PostgresBackend(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException("Storage:ConnectionString is not a valid Npgsql connection string: " + e.Message, e);
        }
        Location = $"{builder.Host}:{builder.Port}/{builder.Database}";
        _source = NpgsqlDataSource.Create(builder);
        try
        {
            try
            {
                PostgresSchema.Apply(_source);
            }
            catch (NpgsqlException e)
            {
                throw new InvalidOperationException($"could not open the PostgreSQL database {Location} (Storage:ConnectionString): {e.Message}", e);
            }
            InstanceKey = Random.Shared.Next(1, int.MaxValue);
            _listener = new PostgresRunsListener(_source, InstanceId, InstanceKey, OnRemoteChange, AllRunIds);
            RemoveUnfinishedImports();
            RemoveOrphans();
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    public string Location { get; }

    /// <summary>
    /// The connection pool of this store, for what shares its database beside the store's own tables (e.g. a lock
    /// that lets one instance at a time run the W&amp;B sync, or ASP.NET Data Protection keys). New tables belong in
    /// a new <see cref="PostgresSchema"/> version; advisory locks use <see cref="PostgresSchema.LockSpace"/>.
    /// </summary>
    public NpgsqlDataSource DataSource => _source;

    /// <summary>Names this instance in notifications, so it does not react twice to its own changes.</summary>
    internal string InstanceId { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The advisory lock key this instance holds while it runs (owner of its pending imports).</summary>
    internal int InstanceKey { get; }

    public event Action<IReadOnlyList<string>>? RunsChanged;

    private void OnRemoteChange(IReadOnlyList<string> ids) => RunsChanged?.Invoke(ids);

    private NpgsqlConnection Open() => _source.OpenConnection();

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, NpgsqlTransaction? tx = null) => new(sql, conn, tx);

    public Run? GetRun(string id)
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT doc::text, events::text FROM runs WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id);
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        var run = PostgresJson.Deserialize<Run>(r.GetString(0));
        run.Events = PostgresJson.Deserialize<List<RunEvent>>(r.GetString(1));
        return run;
    }

    public IReadOnlyList<Run> ListRuns() => QueryRuns("SELECT doc::text FROM runs ORDER BY created_at DESC, id", _ => { });

    public int CountRuns()
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT count(*) FROM runs");
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    public IReadOnlyList<Run> WandbRuns(string entity, string project) =>
        QueryRuns("SELECT doc::text FROM runs WHERE source = 'Wandb' AND doc -> 'Wandb' ->> 'Entity' = @e AND doc -> 'Wandb' ->> 'Project' = @p", p =>
        {
            p.AddWithValue("e", entity);
            p.AddWithValue("p", project);
        });

    private IReadOnlyList<Run> QueryRuns(string sql, Action<NpgsqlParameterCollection> parameters)
    {
        using var conn = Open();
        using var cmd = Command(conn, sql);
        parameters(cmd.Parameters);
        using var r = cmd.ExecuteReader();
        var runs = new List<Run>();
        while (r.Read()) runs.Add(PostgresJson.Deserialize<Run>(r.GetString(0)));
        return runs;
    }

    /// <summary>Every run id: after the listener lost its connection, what may have changed meanwhile.</summary>
    private IReadOnlyList<string> AllRunIds()
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT id FROM runs");
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read()) ids.Add(r.GetString(0));
        return ids;
    }

    public bool DeleteRun(string id)
    {
        bool existed;
        using (var conn = Open())
        using (var tx = conn.BeginTransaction())
        {
            existed = DeleteRunInTransaction(conn, tx, id);
            if (existed) Notify(conn, tx, [id]);
            tx.Commit();
        }
        if (existed) RunsChanged?.Invoke([id]);
        return existed;
    }

    public IReadOnlyList<string>? DeleteUpload(string uploadId)
    {
        List<string> runIds = [];
        using (var conn = Open())
        using (var tx = conn.BeginTransaction())
        {
            using (var find = Command(conn, "SELECT doc::text FROM uploads WHERE id = @id FOR UPDATE", tx))
            {
                find.Parameters.AddWithValue("id", uploadId);
                if (find.ExecuteScalar() is not string json) return null;
                var record = PostgresJson.Deserialize<UploadRecord>(json);
                using var runs = Command(conn, "SELECT id FROM runs WHERE id = ANY(@ids) AND doc -> 'UploadIds' ? @upload", tx);
                runs.Parameters.AddWithValue("ids", record.RunIds.ToArray());
                runs.Parameters.AddWithValue("upload", uploadId);
                using var r = runs.ExecuteReader();
                while (r.Read()) runIds.Add(r.GetString(0));
            }
            foreach (var id in runIds) DeleteRunInTransaction(conn, tx, id);
            DeleteUploadRows(conn, tx, uploadId);
            if (runIds.Count > 0) Notify(conn, tx, runIds);
            tx.Commit();
        }
        if (runIds.Count > 0) RunsChanged?.Invoke(runIds);
        return runIds;
    }

    private static bool DeleteRunInTransaction(NpgsqlConnection conn, NpgsqlTransaction tx, string id)
    {
        using var run = Command(conn, "DELETE FROM runs WHERE id = @id", tx);
        run.Parameters.AddWithValue("id", id);
        var existed = run.ExecuteNonQuery() > 0;
        using var rest = Command(conn, "DELETE FROM chunks WHERE run_id = @id; DELETE FROM series_pyramids WHERE run_id = @id", tx);
        rest.Parameters.AddWithValue("id", id);
        rest.ExecuteNonQuery();
        return existed;
    }

    public string BeginImport()
    {
        var id = ObjectId.NewObjectId().ToString();
        using var conn = Open();
        using var cmd = Command(conn, "INSERT INTO pending_imports (id, instance) VALUES (@id, @instance)");
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("instance", InstanceKey);
        cmd.ExecuteNonQuery();
        return id;
    }

    public void ForgetPending(string importId)
    {
        using var conn = Open();
        using var cmd = Command(conn, "DELETE FROM pending_imports WHERE id = @id");
        cmd.Parameters.AddWithValue("id", importId);
        cmd.ExecuteNonQuery();
    }

    public void Commit(string importId, IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string> replacedRunIds)
    {
        var changed = runs.Select(r => r.Id).Concat(replacedRunIds).Distinct().ToList();
        using (var conn = Open())
        using (var tx = conn.BeginTransaction())
        {
            using (var end = Command(conn, "DELETE FROM pending_imports WHERE id = @id", tx))
            {
                end.Parameters.AddWithValue("id", importId);
                // Only a live instance's import can commit: one whose pending row another instance removed as stale
                // (this instance had lost its lock) has lost its chunks too, and publishing it would show empty runs.
                if (end.ExecuteNonQuery() != 1) throw new InvalidOperationException($"import {importId} is no longer pending (it was removed as unfinished); upload again");
            }
            foreach (var old in replacedRunIds)
            {
                using var cmd = Command(conn, """
                    DELETE FROM runs WHERE id = @id;
                    DELETE FROM chunks WHERE run_id = @id AND import_id <> @import;
                    """, tx);
                cmd.Parameters.AddWithValue("id", old);
                cmd.Parameters.AddWithValue("import", importId);
                cmd.ExecuteNonQuery();
            }
            foreach (var run in runs)
            {
                using var cmd = Command(conn, """
                    INSERT INTO runs (id, project, source, state, name, created_at, updated_at, doc, events)
                    VALUES (@id, @project, @source, @state, @name, @created, @updated, @doc::jsonb, @events::jsonb)
                    ON CONFLICT (id) DO UPDATE SET project = excluded.project, source = excluded.source, state = excluded.state,
                        name = excluded.name, created_at = excluded.created_at, updated_at = excluded.updated_at,
                        doc = excluded.doc, events = excluded.events
                    """, tx);
                cmd.Parameters.AddWithValue("id", run.Id);
                cmd.Parameters.AddWithValue("project", run.Project);
                cmd.Parameters.AddWithValue("source", run.Source.ToString());
                cmd.Parameters.AddWithValue("state", run.State);
                cmd.Parameters.AddWithValue("name", run.Name);
                cmd.Parameters.AddWithValue("created", PostgresJson.Utc(run.CreatedAt));
                cmd.Parameters.AddWithValue("updated", PostgresJson.Utc(run.UpdatedAt));
                cmd.Parameters.AddWithValue("doc", PostgresJson.Serialize(run));
                cmd.Parameters.AddWithValue("events", PostgresJson.Serialize(run.Events));
                cmd.ExecuteNonQuery();
            }
            foreach (var upload in uploads) SaveUpload(conn, tx, upload);
            using (var pyramids = Command(conn, "DELETE FROM series_pyramids WHERE run_id = ANY(@ids)", tx))
            {
                pyramids.Parameters.AddWithValue("ids", changed.ToArray());
                pyramids.ExecuteNonQuery();
            }
            Notify(conn, tx, changed);
            tx.Commit();
        }
        RunsChanged?.Invoke(changed);
    }

    /// <summary>
    /// Queues the change for every listening instance; PostgreSQL delivers it when (and only if) the transaction
    /// commits. A payload must stay under 8000 bytes, so many ids go out as several notifications.
    /// </summary>
    private void Notify(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<string> ids)
    {
        foreach (var part in PostgresRunsListener.Payloads(InstanceId, ids))
        {
            using var cmd = Command(conn, "SELECT pg_notify(@channel, @payload)", tx);
            cmd.Parameters.AddWithValue("channel", Channel);
            cmd.Parameters.AddWithValue("payload", part);
            cmd.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Pending imports whose instance no longer holds its lock were left by a process that died: their chunks were
    /// never visible and are removed. The try-lock is taken in the transaction, so an instance cannot start under
    /// the same key meanwhile.
    /// </summary>
    private void RemoveUnfinishedImports()
    {
        var instances = new List<int>();
        using (var conn = Open())
        using (var cmd = Command(conn, "SELECT DISTINCT instance FROM pending_imports"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read()) instances.Add(r.GetInt32(0));
        }
        foreach (var instance in instances)
        {
            using var conn = Open();
            using var tx = conn.BeginTransaction();
            using (var lockCmd = Command(conn, "SELECT pg_try_advisory_xact_lock(@space, @key)", tx))
            {
                lockCmd.Parameters.AddWithValue("space", PostgresSchema.InstanceLockSpace);
                lockCmd.Parameters.AddWithValue("key", instance);
                if (lockCmd.ExecuteScalar() is not true) continue;
            }
            DeletePendingImportsOf(conn, tx, instance);
            tx.Commit();
        }
    }

    /// <summary>The staged chunks and pending rows of one instance's imports.</summary>
    private static void DeletePendingImportsOf(NpgsqlConnection conn, NpgsqlTransaction tx, int instance)
    {
        using var cmd = Command(conn, """
            DELETE FROM chunks WHERE import_id IN (SELECT id FROM pending_imports WHERE instance = @key);
            DELETE FROM pending_imports WHERE instance = @key;
            """, tx);
        cmd.Parameters.AddWithValue("key", instance);
        cmd.ExecuteNonQuery();
    }

    /// <summary>Chunks of no run and no pending import (never expected; kept for parity with LiteDB's check).</summary>
    private void RemoveOrphans()
    {
        using var conn = Open();
        using var cmd = Command(conn, """
            DELETE FROM chunks c
            WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = c.run_id)
              AND NOT EXISTS (SELECT 1 FROM pending_imports p WHERE p.id = c.import_id)
            """);
        cmd.ExecuteNonQuery();
    }

    public void Dispose()
    {
        RemoveOwnPendingImports();
        _listener.Dispose();
        _source.Dispose();
    }

    /// <summary>
    /// A store that closes will never commit what it staged, so it removes those rows itself instead of leaving them
    /// to the next instance that starts: that one only may once the server has noticed this session ended, which it
    /// does a moment after the close, not at once.
    /// </summary>
    private void RemoveOwnPendingImports()
    {
        try
        {
            using var conn = Open();
            using var tx = conn.BeginTransaction();
            DeletePendingImportsOf(conn, tx, InstanceKey);
            tx.Commit();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // The database is unreachable: the next instance to start removes them once this session is gone.
        }
    }
}
