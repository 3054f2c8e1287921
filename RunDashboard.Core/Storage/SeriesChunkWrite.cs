using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>A chunk of a staged run, waiting to be encoded and inserted.</summary>
public readonly record struct SeriesChunkWrite(string RunId, SeriesChunk Chunk);
