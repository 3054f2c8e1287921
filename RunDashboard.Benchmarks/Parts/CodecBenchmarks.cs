using BenchmarkDotNet.Attributes;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>
/// The series codec over every chunk of a parsed 4 MiB MLX-LM log (about 0.19 M points in 50 chunks; the setup prints the count and bytes a point): encode and
/// decode steps and values, with the current codec (<see cref="SeriesCodec"/>) and the first format
/// (<see cref="SeriesChunkCodec"/>: varint step deltas, raw doubles) beside it.
/// </summary>
public class CodecBenchmarks
{
    private List<SeriesChunk> _chunks = [];
    private List<(byte[] Steps, byte[] Values, int Count)> _encoded = [];
    private List<(byte[] Steps, byte[] Values, int Count)> _encodedFirst = [];

    /// <summary>Points in all chunks: ns a point is the mean over this.</summary>
    public long Points { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _chunks = ChunkCollector.FromLog(LogGenerator.MlxLm, "mlx_lm.log", ParseBenchmarks.Bytes);
        Points = _chunks.Sum(c => (long)c.Count);
        _encoded = EncodeAll();
        _encodedFirst = EncodeFirstFormat();
        // Lossless or the timing is of the wrong thing: every value must come back bit for bit.
        for (var i = 0; i < _chunks.Count; i++)
        {
            var (s, v, n) = _encoded[i];
            if (!SeriesCodec.DecodeSteps(s, n).AsSpan().SequenceEqual(_chunks[i].Steps.AsSpan(0, n)) ||
                !SeriesCodec.DecodeDoubles(v, n).Select(BitConverter.DoubleToInt64Bits).SequenceEqual(_chunks[i].Values.Take(n).Select(BitConverter.DoubleToInt64Bits)))
            {
                throw new InvalidOperationException($"chunk {i} of {_chunks[i].Key} does not decode to what was encoded");
            }
        }
        Console.WriteLine($"// codec input: {Points:N0} points in {_chunks.Count} chunks; bytes a point: codec {_encoded.Sum(e => (long)e.Steps.Length + e.Values.Length) / (double)Points:F2}, first format {_encodedFirst.Sum(e => (long)e.Steps.Length + e.Values.Length) / (double)Points:F2}");
    }

    [Benchmark]
    public List<(byte[] Steps, byte[] Values, int Count)> Encode() => EncodeAll();

    [Benchmark]
    public long Decode()
    {
        long n = 0;
        foreach (var (s, v, count) in _encoded) n += SeriesCodec.DecodeSteps(s, count).Length + SeriesCodec.DecodeDoubles(v, count).Length;
        return n;
    }

    [Benchmark]
    public List<(byte[] Steps, byte[] Values, int Count)> EncodeFirstFormat()
    {
        var result = new List<(byte[], byte[], int)>(_chunks.Count);
        foreach (var c in _chunks) result.Add((SeriesChunkCodec.EncodeSteps(c.Steps.AsSpan(0, c.Count)), SeriesChunkCodec.EncodeDoubles(c.Values.AsSpan(0, c.Count)), c.Count));
        return result;
    }

    [Benchmark]
    public long DecodeFirstFormat()
    {
        long n = 0;
        foreach (var (s, v, count) in _encodedFirst) n += SeriesChunkCodec.DecodeSteps(s, count).Length + SeriesChunkCodec.DecodeDoubles(v, count).Length;
        return n;
    }

    private List<(byte[] Steps, byte[] Values, int Count)> EncodeAll()
    {
        var result = new List<(byte[], byte[], int)>(_chunks.Count);
        foreach (var c in _chunks) result.Add((SeriesCodec.EncodeSteps(c.Steps.AsSpan(0, c.Count)), SeriesCodec.EncodeDoubles(c.Values.AsSpan(0, c.Count)), c.Count));
        return result;
    }
}

/// <summary>Keeps a copy of every chunk an ingest writes (the writer reuses its arrays).</summary>
public sealed class ChunkCollector : IChunkSink
{
    public List<SeriesChunk> Chunks { get; } = [];

    public void Write(RunDraft run, SeriesChunk chunk) =>
        Chunks.Add(new SeriesChunk(chunk.Key, chunk.Sequence, chunk.Steps[..chunk.Count], chunk.Values[..chunk.Count], chunk.Times?[..chunk.Count], chunk.Count));

    public void Discard(RunDraft run, string key, int fromSequence) { }

    /// <summary>The chunks of a generated log of <paramref name="bytes"/>, parsed from memory.</summary>
    public static List<SeriesChunk> FromLog(Action<string, long> write, string fileName, long bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"rundashboard-chunks-{Environment.ProcessId}-{fileName}");
        byte[] log;
        try
        {
            write(path, bytes);
            log = File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
        var sink = new ChunkCollector();
        var import = Ingestor.CreateDefault().Ingest(fileName, () => new MemoryStream(log, writable: false), sink);
        if (!import.Succeeded) throw new InvalidOperationException($"{fileName} did not import: {import.Error}");
        return sink.Chunks;
    }
}
