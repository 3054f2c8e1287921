using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// A chunk's points as stored, the same on every backend: <see cref="SeriesCodec"/> blobs for steps, values and
/// (when the source had clock times) times. Codec null is the first format (<see cref="SeriesChunkCodec"/>: step
/// varints, raw little-endian doubles), which old LiteDB files still hold and which is still read.
/// </summary>
public readonly record struct ChunkBlobs(int? Codec, byte[] Steps, byte[] Values, byte[]? Times)
{
    public static ChunkBlobs Encode(SeriesChunk chunk)
    {
        var n = chunk.Count;
        var times = chunk.Times is { } t && HasAnyTime(t.AsSpan(0, n)) ? SeriesCodec.EncodeDoubles(t.AsSpan(0, n), order: 2) : null;
        return new ChunkBlobs(SeriesCodec.Version, SeriesCodec.EncodeSteps(chunk.Steps.AsSpan(0, n)), SeriesCodec.EncodeDoubles(chunk.Values.AsSpan(0, n)), times);
    }

    public SeriesChunk Decode(string key, int sequence, int count)
    {
        if (Codec is null)
        {
            var oldTimes = Times is null ? null : SeriesChunkCodec.DecodeDoubles(Times, count);
            return new SeriesChunk(key, sequence, SeriesChunkCodec.DecodeSteps(Steps, count), SeriesChunkCodec.DecodeDoubles(Values, count), oldTimes, count);
        }
        if (Codec != SeriesCodec.Version) throw new InvalidDataException($"series chunk codec {Codec} is newer than this version");
        var times = Times is null ? null : SeriesCodec.DecodeDoubles(Times, count);
        return new SeriesChunk(key, sequence, SeriesCodec.DecodeSteps(Steps, count), SeriesCodec.DecodeDoubles(Values, count), times, count);
    }

    /// <summary>Encoded bytes of the three blobs.</summary>
    public long Length => Steps.Length + Values.Length + (Times?.Length ?? 0);

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
