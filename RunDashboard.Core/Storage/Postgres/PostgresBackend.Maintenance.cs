using Npgsql;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.Postgres;

/// <summary>Sizes and counts for <c>GET /api/stats</c>, measured by the server (octet lengths, database size).</summary>
public sealed partial class PostgresBackend
{
    public IDocumentCollection Documents(string collection) => new PostgresDocuments(_source, collection);

    public StorageBytes MeasureBytes()
    {
        using var conn = Open();
        using var cmd = Command(conn, """
            SELECT
                (SELECT COALESCE(sum(octet_length(steps_blob) + octet_length(values_blob) + COALESCE(octet_length(times_blob), 0)), 0) FROM chunks),
                (SELECT COALESCE(sum(octet_length(chunks)), 0) FROM series_pyramids),
                (SELECT COALESCE(sum(octet_length(data)), 0) FROM upload_pieces),
                (SELECT COALESCE(sum(point_count), 0) FROM chunks),
                (SELECT count(*) FROM chunks),
                pg_database_size(current_database())
            """);
        using var r = cmd.ExecuteReader();
        r.Read();
        var (series, pyramids, raw, points, chunks, size) = (r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));
        return new StorageBytes(size, series, pyramids, raw, Math.Max(0, size - series - pyramids - raw), points, chunks);
    }

    public StorageRowCounts CountRows()
    {
        using var conn = Open();
        using var cmd = Command(conn, """
            SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM chunks), (SELECT count(*) FROM series_pyramids),
                   (SELECT count(*) FROM pending_imports), (SELECT count(*) FROM uploads)
            """);
        using var r = cmd.ExecuteReader();
        r.Read();
        return new StorageRowCounts(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
    }

    public StoreStats Stats()
    {
        var measured = MeasureBytes();
        var runs = ListRuns();
        var uploads = ListUploads();
        return new StoreStats(
            runs.Count, runs.Sum(r => r.Metrics.Sum(m => m.Count)), (int)measured.Chunks, measured.SeriesBytes,
            uploads.Count, uploads.Count(u => u.Status == UploadRecord.Rejected), uploads.Sum(u => u.Size), measured.RawUploadBytes,
            measured.FileBytes, 0);
    }

    /// <summary>A PostgreSQL database is backed up with its own tools, which copy it consistently while it runs.</summary>
    public long ExportTo(string targetPath) =>
        throw new NotSupportedException($"the export copies a LiteDB file; this dashboard stores its data in PostgreSQL ({Location}): back it up with pg_dump");
}
