using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>A decoded chunk with the id its row or document has, which pyramids point to.</summary>
public readonly record struct StoredChunk(ObjectId Id, SeriesChunk Chunk);
