namespace RunDashboard.Core.Storage;

/// <summary>
/// What the database file holds, by kind: encoded series (chunk blobs and their pyramids), raw uploads (as stored,
/// deflate-compressed) and the rest (runs, events, indexes, LiteDB page slack). Points are all stored series points.
/// </summary>
public sealed record StorageBytes(long FileBytes, long SeriesBytes, long PyramidBytes, long RawUploadBytes, long OtherBytes, long Points, long Chunks)
{
    /// <summary>Encoded series bytes a point (steps, values and times), without LiteDB's per-document overhead.</summary>
    public double SeriesBytesPerPoint => Points == 0 ? 0 : SeriesBytes / (double)Points;
}
