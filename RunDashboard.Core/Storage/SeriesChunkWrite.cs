using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>A chunk of a staged run, waiting to be encoded and inserted.</summary>
public readonly record struct SeriesChunkWrite(string RunId, SeriesChunk Chunk);

/// <summary>
/// A chunk encoded for storage, with the id it will be stored under: the raw points are not needed any more, so
/// many encoded chunks can wait for one large insert without holding their arrays.
/// </summary>
public sealed record EncodedChunk(ObjectId Id, string RunId, string Key, int Sequence, long FirstStep, long LastStep, int Count, ChunkBlobs Blobs)
{
    public static EncodedChunk Of(SeriesChunkWrite write) => Of(ObjectId.NewObjectId(), write);

    public static EncodedChunk Of(ObjectId id, SeriesChunkWrite write)
    {
        var chunk = write.Chunk;
        return new EncodedChunk(id, write.RunId, chunk.Key, chunk.Sequence, chunk.FirstStep, chunk.LastStep, chunk.Count, ChunkBlobs.Encode(chunk));
    }
}
