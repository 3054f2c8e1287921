namespace RunDashboard.Core.Storage;

/// <summary>What the database holds: <c>GET /api/stats</c>.</summary>
public sealed record StoreStats(
    int Runs, long Points, int SeriesChunks, long SeriesBytes,
    int Uploads, int RejectedUploads, long UploadBytesReceived, long UploadBytesStored,
    long DatabaseFileBytes, long LogFileBytes);
