namespace RunDashboard.Core.Storage;

/// <summary>How many rows (documents) of each kind a database holds, committed or staged.</summary>
public sealed record StorageRowCounts(long Runs, long Chunks, long Pyramids, long PendingImports, long Uploads);
