using System.IO.Compression;
using Npgsql;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>
/// Upload records (<c>uploads</c>, the record as jsonb) and their bytes: deflated, cut into 1 MB pieces
/// (<c>upload_pieces</c>), written in one transaction and read back piece by piece, so no upload is ever whole in memory.
/// </summary>
public sealed partial class PostgresBackend
{
    /// <summary>Stored bytes a piece: one row, well under PostgreSQL's 1 GB field limit, a round trip worth making.</summary>
    internal const int PieceBytes = 1 << 20;

    public UploadRecord? GetUpload(string id) =>
        QueryUploads("SELECT doc::text FROM uploads WHERE id = @v", id).FirstOrDefault();

    public IReadOnlyList<UploadRecord> UploadsBySha256(string sha256) =>
        QueryUploads("SELECT doc::text FROM uploads WHERE sha256 = @v ORDER BY uploaded_at, id", sha256);

    public IReadOnlyList<UploadRecord> ListUploads() => QueryUploads("SELECT doc::text FROM uploads ORDER BY uploaded_at, id", null);

    private List<UploadRecord> QueryUploads(string sql, string? value)
    {
        using var conn = Open();
        using var cmd = Command(conn, sql);
        if (value is not null) cmd.Parameters.AddWithValue("v", value);
        using var r = cmd.ExecuteReader();
        var list = new List<UploadRecord>();
        while (r.Read()) list.Add(PostgresJson.Deserialize<UploadRecord>(r.GetString(0)));
        return list;
    }

    private static void SaveUpload(NpgsqlConnection conn, NpgsqlTransaction tx, UploadRecord upload)
    {
        using var cmd = Command(conn, """
            INSERT INTO uploads (id, sha256, uploaded_at, doc) VALUES (@id, @sha, @at, @doc::jsonb)
            ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, uploaded_at = excluded.uploaded_at, doc = excluded.doc
            """, tx);
        cmd.Parameters.AddWithValue("id", upload.Id);
        cmd.Parameters.AddWithValue("sha", upload.Sha256);
        cmd.Parameters.AddWithValue("at", PostgresJson.Utc(upload.UploadedAt));
        cmd.Parameters.AddWithValue("doc", PostgresJson.Serialize(upload));
        cmd.ExecuteNonQuery();
    }

    public long StoreUploadBytes(string uploadId, string fileName, Stream content)
    {
        using var conn = Open();
        using var tx = conn.BeginTransaction();
        // Holds off a delete of the upload (another instance's, which takes the row FOR UPDATE) until these bytes are
        // committed, so the delete removes them too instead of leaving bytes that belong to nothing.
        using (var share = Command(conn, "SELECT 1 FROM uploads WHERE id = @id FOR SHARE", tx))
        {
            share.Parameters.AddWithValue("id", uploadId);
            share.ExecuteScalar();
        }
        DeleteUploadBytes(conn, tx, uploadId);
        var buffer = new byte[1 << 20];
        long total = 0;
        using var pieces = new PieceWriter(conn, tx, uploadId);
        using (var deflate = new DeflateStream(pieces, CompressionLevel.Fastest, leaveOpen: true))
        {
            int read;
            while ((read = content.Read(buffer)) > 0)
            {
                deflate.Write(buffer, 0, read);
                total += read;
            }
        }
        pieces.Flush();
        using (var file = Command(conn, """
            INSERT INTO upload_files (upload_id, file_name, length, stored_length, compression) VALUES (@id, @name, @length, @stored, 'deflate')
            """, tx))
        {
            file.Parameters.AddWithValue("id", uploadId);
            file.Parameters.AddWithValue("name", Path.GetFileName(fileName));
            file.Parameters.AddWithValue("length", total);
            file.Parameters.AddWithValue("stored", pieces.Written);
            file.ExecuteNonQuery();
        }
        tx.Commit();
        return total;
    }

    public Stream OpenUploadBytes(string uploadId)
    {
        using (var conn = Open())
        using (var cmd = Command(conn, "SELECT compression FROM upload_files WHERE upload_id = @id"))
        {
            cmd.Parameters.AddWithValue("id", uploadId);
            if (cmd.ExecuteScalar() is not string compression) throw new FileNotFoundException($"upload {uploadId} has no stored bytes");
            var pieces = new PieceReader(_source, uploadId);
            return compression == "deflate" ? new DeflateStream(pieces, CompressionMode.Decompress) : pieces;
        }
    }

    public bool HasUploadBytes(string uploadId)
    {
        using var conn = Open();
        using var cmd = Command(conn, "SELECT 1 FROM upload_files WHERE upload_id = @id");
        cmd.Parameters.AddWithValue("id", uploadId);
        return cmd.ExecuteScalar() is not null;
    }

    public void SetUploadSha256(string uploadId, string sha256)
    {
        using var conn = Open();
        using var cmd = Command(conn, "UPDATE uploads SET sha256 = @sha, doc = jsonb_set(doc, '{Sha256}', to_jsonb(@sha::text)) WHERE id = @id");
        cmd.Parameters.AddWithValue("id", uploadId);
        cmd.Parameters.AddWithValue("sha", sha256);
        cmd.ExecuteNonQuery();
    }

    public void DeleteUploadRecord(string uploadId)
    {
        using var conn = Open();
        using var tx = conn.BeginTransaction();
        DeleteUploadRows(conn, tx, uploadId);
        tx.Commit();
    }

    private static void DeleteUploadRows(NpgsqlConnection conn, NpgsqlTransaction tx, string uploadId)
    {
        using (var cmd = Command(conn, "DELETE FROM uploads WHERE id = @id", tx))
        {
            cmd.Parameters.AddWithValue("id", uploadId);
            cmd.ExecuteNonQuery();
        }
        DeleteUploadBytes(conn, tx, uploadId);
    }

    private static void DeleteUploadBytes(NpgsqlConnection conn, NpgsqlTransaction tx, string uploadId)
    {
        using var cmd = Command(conn, "DELETE FROM upload_pieces WHERE upload_id = @id; DELETE FROM upload_files WHERE upload_id = @id", tx);
        cmd.Parameters.AddWithValue("id", uploadId);
        cmd.ExecuteNonQuery();
    }

    /// <summary>A write-only stream that sends every full piece as a row of the open transaction.</summary>
    private sealed class PieceWriter(NpgsqlConnection conn, NpgsqlTransaction tx, string uploadId) : Stream
    {
        private readonly byte[] _piece = new byte[PieceBytes];
        private int _filled;
        private int _seq;

        public long Written { get; private set; }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, _piece.Length - _filled);
                buffer[..n].CopyTo(_piece.AsSpan(_filled));
                _filled += n;
                buffer = buffer[n..];
                if (_filled == _piece.Length) SendPiece();
            }
        }

        public override void Flush()
        {
            if (_filled > 0) SendPiece();
        }

        private void SendPiece()
        {
            using var cmd = new NpgsqlCommand("INSERT INTO upload_pieces (upload_id, seq, data) VALUES (@id, @seq, @data)", conn, tx);
            cmd.Parameters.AddWithValue("id", uploadId);
            cmd.Parameters.AddWithValue("seq", _seq++);
            cmd.Parameters.Add(new NpgsqlParameter("data", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = new ArraySegment<byte>(_piece, 0, _filled) });
            cmd.ExecuteNonQuery();
            Written += _filled;
            _filled = 0;
        }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => Written + _filled; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>A read-only stream over the pieces in order, fetching one piece (one short query) at a time.</summary>
    private sealed class PieceReader(NpgsqlDataSource source, string uploadId) : ForwardReadStream
    {
        private byte[] _piece = [];
        private int _at;
        private int _next;
        private bool _ended;

        public override int Read(Span<byte> buffer)
        {
            while (_at == _piece.Length)
            {
                if (_ended || !Fetch()) return 0;
            }
            var n = Math.Min(buffer.Length, _piece.Length - _at);
            _piece.AsSpan(_at, n).CopyTo(buffer);
            _at += n;
            return n;
        }

        private bool Fetch()
        {
            using var conn = source.OpenConnection();
            using var cmd = new NpgsqlCommand("SELECT data FROM upload_pieces WHERE upload_id = @id AND seq = @seq", conn);
            cmd.Parameters.AddWithValue("id", uploadId);
            cmd.Parameters.AddWithValue("seq", _next);
            if (cmd.ExecuteScalar() is not byte[] data)
            {
                _ended = true;
                return false;
            }
            _next++;
            _piece = data;
            _at = 0;
            return true;
        }

    }
}
