using Npgsql;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered migrations. Each instance applies the missing ones at start, in one transaction
/// under an advisory lock, so two instances starting together neither race nor apply a step twice; each applied
/// version is a row of <c>schema_migrations</c>. A migration once released is never edited: changes are new versions.
/// </summary>
public static class PostgresSchema
{
    /// <summary>Advisory lock keys (two int4 form) of this application; the first number names the application.</summary>
    public const int LockSpace = 0x52440001;
    public const int MigrationLock = 1;
    /// <summary>Each instance holds (<see cref="InstanceLockSpace"/>, its key) while it runs; see <see cref="PostgresBackend"/>.</summary>
    public const int InstanceLockSpace = 0x52440002;

    private static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "runs, chunks, pyramids, uploads, documents", """
            CREATE TABLE runs (
                id text PRIMARY KEY,
                project text NOT NULL,
                source text NOT NULL,
                state text NOT NULL,
                name text NOT NULL,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                doc jsonb NOT NULL,
                events jsonb NOT NULL DEFAULT '[]'
            );
            -- The runs list sorts by creation (newest first) and filters by project, source and state, and sorts by name.
            CREATE INDEX runs_created_at ON runs (created_at DESC, id);
            CREATE INDEX runs_project ON runs (project, created_at DESC);
            CREATE INDEX runs_source ON runs (source, created_at DESC);
            CREATE INDEX runs_state ON runs (state, created_at DESC);
            CREATE INDEX runs_name ON runs (lower(name), id);
            CREATE INDEX runs_tags ON runs USING gin ((doc -> 'Tags'));
            CREATE INDEX runs_wandb ON runs ((doc -> 'Wandb' ->> 'Entity'), (doc -> 'Wandb' ->> 'Project')) WHERE source = 'Wandb';

            CREATE TABLE pending_imports (
                id text PRIMARY KEY,
                instance integer NOT NULL,
                started_at timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE chunks (
                id bytea PRIMARY KEY,
                run_id text NOT NULL,
                series_key text NOT NULL,
                import_id text NOT NULL,
                seq integer NOT NULL,
                first_step bigint NOT NULL,
                last_step bigint NOT NULL,
                point_count integer NOT NULL,
                codec integer,
                steps_blob bytea NOT NULL,
                values_blob bytea NOT NULL,
                times_blob bytea
            );
            CREATE INDEX chunks_series ON chunks (run_id, series_key, seq);
            CREATE INDEX chunks_import ON chunks (import_id);

            CREATE TABLE series_pyramids (
                run_id text NOT NULL,
                series_key text NOT NULL,
                stamp text NOT NULL,
                chunks bytea NOT NULL,
                PRIMARY KEY (run_id, series_key)
            );

            CREATE TABLE uploads (
                id text PRIMARY KEY,
                sha256 text NOT NULL,
                uploaded_at timestamptz NOT NULL,
                doc jsonb NOT NULL
            );
            CREATE INDEX uploads_sha256 ON uploads (sha256);

            CREATE TABLE upload_files (
                upload_id text PRIMARY KEY,
                file_name text NOT NULL,
                length bigint NOT NULL,
                stored_length bigint NOT NULL,
                compression text NOT NULL
            );
            CREATE TABLE upload_pieces (
                upload_id text NOT NULL,
                seq integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (upload_id, seq)
            );

            CREATE TABLE documents (
                collection text NOT NULL,
                id text NOT NULL,
                doc bytea NOT NULL,
                fields jsonb NOT NULL DEFAULT '{}',
                PRIMARY KEY (collection, id)
            );
            CREATE INDEX documents_fields ON documents USING gin (fields jsonb_path_ops);
            """),
    ];

    /// <summary>The newest version this build knows.</summary>
    public static int Latest => Migrations[^1].Version;

    /// <summary>Applies the missing migrations; returns how many were applied.</summary>
    internal static int Apply(NpgsqlDataSource source)
    {
        using var conn = source.OpenConnection();
        using var tx = conn.BeginTransaction();
        Execute(conn, tx, $"SELECT pg_advisory_xact_lock({LockSpace}, {MigrationLock})");
        Execute(conn, tx, "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
        var applied = new HashSet<int>();
        using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn, tx))
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read()) applied.Add(reader.GetInt32(0));
        }
        if (applied.Count > 0 && applied.Max() > Latest)
        {
            throw new InvalidOperationException($"the PostgreSQL database has schema version {applied.Max()}, newer than this build knows ({Latest}); update the dashboard");
        }
        var count = 0;
        foreach (var (version, name, sql) in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            Execute(conn, tx, sql);
            using var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, name) VALUES (@v, @n)", conn, tx);
            record.Parameters.AddWithValue("v", version);
            record.Parameters.AddWithValue("n", name);
            record.ExecuteNonQuery();
            count++;
        }
        tx.Commit();
        return count;
    }

    private static void Execute(NpgsqlConnection conn, NpgsqlTransaction tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.ExecuteNonQuery();
    }
}
