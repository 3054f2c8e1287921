using LiteDB;
using Npgsql;
using NpgsqlTypes;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>Series chunks (one row each, blobs in <see cref="ChunkBlobs"/>'s codec) and their pyramids.</summary>
public sealed partial class PostgresBackend
{
    /// <summary>Chunks of imports still pending are nobody's yet: every read of committed series leaves them out.</summary>
    private const string Committed = "NOT EXISTS (SELECT 1 FROM pending_imports p WHERE p.id = c.import_id)";

    public IEnumerable<StoredChunk> ReadChunks(string runId, string key, long? from = null, long? to = null)
    {
        // One query whose rows are read as the caller asks for chunks: Npgsql holds one row at a time, so memory stays
        // flat whatever the series' size (the connection is held until the caller is done).
        using var conn = Open();
        using var cmd = Command(conn, $"""
            SELECT id, seq, point_count, codec, steps_blob, values_blob, times_blob FROM chunks c
            WHERE run_id = @run AND series_key = @key AND {Committed}
              AND (@from::bigint IS NULL OR last_step >= @from) AND (@to::bigint IS NULL OR first_step <= @to)
            ORDER BY seq
            """);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("key", key);
        cmd.Parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Bigint) { Value = (object?)from ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Bigint) { Value = (object?)to ?? DBNull.Value });
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var blobs = new ChunkBlobs(r.IsDBNull(3) ? null : r.GetInt32(3), (byte[])r[4], (byte[])r[5], r.IsDBNull(6) ? null : (byte[])r[6]);
            yield return new StoredChunk(new ObjectId((byte[])r[0]), blobs.Decode(key, r.GetInt32(1), r.GetInt32(2)));
        }
    }

    public SeriesChunk? ReadChunk(ObjectId id, string key)
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT seq, point_count, codec, steps_blob, values_blob, times_blob FROM chunks WHERE id = @id");
        cmd.Parameters.AddWithValue("id", id.ToByteArray());
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        var blobs = new ChunkBlobs(r.IsDBNull(2) ? null : r.GetInt32(2), (byte[])r[3], (byte[])r[4], r.IsDBNull(5) ? null : (byte[])r[5]);
        return blobs.Decode(key, r.GetInt32(0), r.GetInt32(1));
    }

    public int NextSequence(string runId, string key)
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT COALESCE(max(seq), -1) FROM chunks WHERE run_id = @run AND series_key = @key");
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("key", key);
        return Convert.ToInt32(cmd.ExecuteScalar()) + 1;
    }

    /// <summary>Binary COPY: the fastest way PostgreSQL takes rows, one round trip per batch.</summary>
    public void InsertChunks(string importId, IReadOnlyList<EncodedChunk> chunks)
    {
        using var conn = Open();
        using var copy = conn.BeginBinaryImport(
            "COPY chunks (id, run_id, series_key, import_id, seq, first_step, last_step, point_count, codec, steps_blob, values_blob, times_blob) FROM STDIN (FORMAT BINARY)");
        foreach (var chunk in chunks)
        {
            var blobs = chunk.Blobs;
            copy.StartRow();
            copy.Write(chunk.Id.ToByteArray(), NpgsqlDbType.Bytea);
            copy.Write(chunk.RunId, NpgsqlDbType.Text);
            copy.Write(chunk.Key, NpgsqlDbType.Text);
            copy.Write(importId, NpgsqlDbType.Text);
            copy.Write(chunk.Sequence, NpgsqlDbType.Integer);
            copy.Write(chunk.FirstStep, NpgsqlDbType.Bigint);
            copy.Write(chunk.LastStep, NpgsqlDbType.Bigint);
            copy.Write(chunk.Count, NpgsqlDbType.Integer);
            copy.Write(blobs.Codec!.Value, NpgsqlDbType.Integer);
            copy.Write(blobs.Steps, NpgsqlDbType.Bytea);
            copy.Write(blobs.Values, NpgsqlDbType.Bytea);
            if (blobs.Times is { } times) copy.Write(times, NpgsqlDbType.Bytea);
            else copy.WriteNull();
        }
        copy.Complete();
    }

    public void MoveChunks(string importId, string fromRunId, string toRunId, string key) =>
        Execute("UPDATE chunks SET run_id = @to WHERE run_id = @from AND series_key = @key AND import_id = @import", p =>
        {
            p.AddWithValue("to", toRunId);
            p.AddWithValue("from", fromRunId);
            p.AddWithValue("key", key);
            p.AddWithValue("import", importId);
        });

    public void DeleteChunks(string importId, string runId, string key) =>
        Execute("DELETE FROM chunks WHERE run_id = @run AND series_key = @key AND import_id = @import", p =>
        {
            p.AddWithValue("run", runId);
            p.AddWithValue("key", key);
            p.AddWithValue("import", importId);
        });

    public void DeleteChunksFrom(string importId, string runId, string key, int fromSequence) =>
        Execute("DELETE FROM chunks WHERE run_id = @run AND series_key = @key AND import_id = @import AND seq >= @seq", p =>
        {
            p.AddWithValue("run", runId);
            p.AddWithValue("key", key);
            p.AddWithValue("import", importId);
            p.AddWithValue("seq", fromSequence);
        });

    public void DeleteChunksOf(string importId, IEnumerable<string> runIds)
    {
        var ids = runIds.ToArray();
        if (ids.Length == 0) return;
        Execute("DELETE FROM chunks WHERE run_id = ANY(@runs) AND import_id = @import", p =>
        {
            p.AddWithValue("runs", ids);
            p.AddWithValue("import", importId);
        });
    }

    public (string Stamp, byte[] Bytes)? GetPyramid(string runId, string key)
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT stamp, chunks FROM series_pyramids WHERE run_id = @run AND series_key = @key");
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("key", key);
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetString(0), (byte[])r[1]) : null;
    }

    /// <summary>
    /// Saved only while the run exists: a pyramid built by a read racing a delete on another instance must not
    /// outlive the run.
    /// </summary>
    public void SavePyramids(IReadOnlyList<SavedPyramid> pyramids)
    {
        using var conn = Open();
        using var tx = conn.BeginTransaction();
        foreach (var pyramid in pyramids)
        {
            using var cmd = Command(conn, """
                INSERT INTO series_pyramids (run_id, series_key, stamp, chunks)
                SELECT @run, @key, @stamp, @bytes WHERE EXISTS (SELECT 1 FROM runs WHERE id = @run)
                ON CONFLICT (run_id, series_key) DO UPDATE SET stamp = excluded.stamp, chunks = excluded.chunks
                """, tx);
            cmd.Parameters.AddWithValue("run", pyramid.RunId);
            cmd.Parameters.AddWithValue("key", pyramid.Key);
            cmd.Parameters.AddWithValue("stamp", pyramid.Stamp);
            cmd.Parameters.AddWithValue("bytes", pyramid.Bytes);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private int Execute(string sql, Action<NpgsqlParameterCollection> parameters)
    {
        using var conn = Open();
        using var cmd = Command(conn, sql);
        parameters(cmd.Parameters);
        return cmd.ExecuteNonQuery();
    }
}
