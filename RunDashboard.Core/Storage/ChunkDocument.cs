using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// A series chunk as a LiteDB document. Documents written since issue 17 carry <c>Codec = 2</c> and use
/// <see cref="SeriesCodec"/>; documents without the field are the first format (<see cref="SeriesChunkCodec"/>:
/// step varints, raw little-endian doubles) and are still read, so existing databases keep every point.
/// </summary>
internal static class ChunkDocument
{
    public static BsonDocument Create(string importId, string runId, string seriesId, SeriesChunk chunk)
    {
        var n = chunk.Count;
        var doc = new BsonDocument
        {
            ["_id"] = ObjectId.NewObjectId(),
            ["RunId"] = runId,
            ["Import"] = importId,
            ["SeriesId"] = seriesId,
            ["Seq"] = chunk.Sequence,
            ["FirstStep"] = chunk.FirstStep,
            ["LastStep"] = chunk.LastStep,
            ["Count"] = n,
            ["Codec"] = SeriesCodec.Version,
            ["Steps"] = SeriesCodec.EncodeSteps(chunk.Steps.AsSpan(0, n)),
            ["Values"] = SeriesCodec.EncodeDoubles(chunk.Values.AsSpan(0, n)),
        };
        if (chunk.Times is { } times && HasAnyTime(times.AsSpan(0, n))) doc["Times"] = SeriesCodec.EncodeDoubles(times.AsSpan(0, n), order: 2);
        return doc;
    }

    public static SeriesChunk Read(string key, BsonDocument d)
    {
        var count = d["Count"].AsInt32;
        var seq = d["Seq"].AsInt32;
        if (d["Codec"].IsNull)
        {
            var oldTimes = d["Times"].IsBinary ? SeriesChunkCodec.DecodeDoubles(d["Times"].AsBinary, count) : null;
            return new SeriesChunk(key, seq, SeriesChunkCodec.DecodeSteps(d["Steps"].AsBinary, count),
                SeriesChunkCodec.DecodeDoubles(d["Values"].AsBinary, count), oldTimes, count);
        }
        if (d["Codec"].AsInt32 != SeriesCodec.Version) throw new InvalidDataException($"series chunk codec {d["Codec"].AsInt32} is newer than this version");
        var times = d["Times"].IsBinary ? SeriesCodec.DecodeDoubles(d["Times"].AsBinary, count) : null;
        return new SeriesChunk(key, seq, SeriesCodec.DecodeSteps(d["Steps"].AsBinary, count), SeriesCodec.DecodeDoubles(d["Values"].AsBinary, count), times, count);
    }

    /// <summary>Times that are all NaN (a source without clock times) are not stored; reads give null.</summary>
    private static bool HasAnyTime(ReadOnlySpan<double> times)
    {
        foreach (var t in times)
        {
            if (!double.IsNaN(t)) return true;
        }
        return false;
    }
}
