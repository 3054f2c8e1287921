using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage.LiteDb;

/// <summary>
/// A series chunk as a LiteDB document. Documents written since the compact codec carry <c>Codec = 2</c>; documents
/// without the field are the first format, still read (see <see cref="ChunkBlobs"/>), so old files keep every point.
/// </summary>
internal static class ChunkDocument
{
    public static BsonDocument Create(string importId, string seriesId, EncodedChunk chunk)
    {
        var blobs = chunk.Blobs;
        var doc = new BsonDocument
        {
            ["_id"] = chunk.Id,
            ["RunId"] = chunk.RunId,
            ["Import"] = importId,
            ["SeriesId"] = seriesId,
            ["Seq"] = chunk.Sequence,
            ["FirstStep"] = chunk.FirstStep,
            ["LastStep"] = chunk.LastStep,
            ["Count"] = chunk.Count,
            ["Codec"] = blobs.Codec!.Value,
            ["Steps"] = blobs.Steps,
            ["Values"] = blobs.Values,
        };
        if (blobs.Times is { } times) doc["Times"] = times;
        return doc;
    }

    public static SeriesChunk Read(string key, BsonDocument d) =>
        new ChunkBlobs(d["Codec"].IsNull ? null : d["Codec"].AsInt32, d["Steps"].AsBinary, d["Values"].AsBinary, d["Times"].IsBinary ? d["Times"].AsBinary : null)
            .Decode(key, d["Seq"].AsInt32, d["Count"].AsInt32);
}
