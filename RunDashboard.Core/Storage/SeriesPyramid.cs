using LiteDB;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The summary of every chunk of one series, in order: where it starts, its steps, and the downsampler's bucket
/// figures (min, max and last of the finite values, count of non-finite ones, last time). A bucketed read combines
/// whole chunks from these and decodes only the chunks a bucket edge cuts, so it reads O(buckets) chunk documents
/// however long the series is. Min, max and last are combined left to right with the same strict comparisons as
/// <see cref="Analysis.Downsampler"/>, which makes the result identical to reducing the raw points.
/// </summary>
internal sealed class SeriesPyramid
{
    private const byte FormatVersion = 1;

    public required string Stamp { get; init; }
    public required ObjectId[] Ids { get; init; }
    public required long[] Start { get; init; }
    public required int[] Count { get; init; }
    public required long[] FirstStep { get; init; }
    public required long[] LastStep { get; init; }
    public required double[] Min { get; init; }
    public required double[] Max { get; init; }
    public required double[] LastFinite { get; init; }
    public required double[] LastTime { get; init; }
    public required int[] NonFinite { get; init; }
    public required bool[] HasTimes { get; init; }
    /// <summary>Steps never go down, within and across chunks: what range reads by binary search rely on.</summary>
    public required bool Sorted { get; init; }

    public int Chunks => Ids.Length;
    public long Total => Chunks == 0 ? 0 : Start[^1] + Count[^1];

    /// <summary>One chunk's line of the pyramid.</summary>
    public readonly record struct Entry(
        ObjectId Id, int Count, long FirstStep, long LastStep, Summary Values, double LastTime, bool HasTimes, bool SortedWithin)
    {
        public static Entry Of(ObjectId id, SeriesChunk chunk)
        {
            var sorted = true;
            for (var i = 1; i < chunk.Count && sorted; i++) sorted = chunk.Steps[i] >= chunk.Steps[i - 1];
            return new Entry(id, chunk.Count, chunk.FirstStep, chunk.LastStep, Summary.Of(chunk.Values.AsSpan(0, chunk.Count)),
                chunk.Times is { } t ? t[chunk.Count - 1] : double.NaN, chunk.Times is not null, sorted);
        }
    }

    public static SeriesPyramid Build(string stamp, IReadOnlyList<(ObjectId Id, SeriesChunk Chunk)> chunks) =>
        Build(stamp, chunks.Select(c => Entry.Of(c.Id, c.Chunk)).ToList());

    /// <summary>The pyramid of chunks in sequence order.</summary>
    public static SeriesPyramid Build(string stamp, IReadOnlyList<Entry> entries)
    {
        var n = entries.Count;
        var sorted = true;
        for (var c = 0; c < n && sorted; c++) sorted = entries[c].SortedWithin && (c == 0 || entries[c].FirstStep >= entries[c - 1].LastStep);
        var p = new SeriesPyramid
        {
            Stamp = stamp, Ids = new ObjectId[n], Start = new long[n], Count = new int[n], FirstStep = new long[n], LastStep = new long[n],
            Min = new double[n], Max = new double[n], LastFinite = new double[n], LastTime = new double[n], NonFinite = new int[n],
            HasTimes = new bool[n], Sorted = sorted,
        };
        long start = 0;
        for (var c = 0; c < n; c++)
        {
            var e = entries[c];
            p.Ids[c] = e.Id;
            p.Start[c] = start;
            p.Count[c] = e.Count;
            p.FirstStep[c] = e.FirstStep;
            p.LastStep[c] = e.LastStep;
            p.HasTimes[c] = e.HasTimes;
            p.LastTime[c] = e.LastTime;
            (p.Min[c], p.Max[c], p.LastFinite[c], p.NonFinite[c]) = (e.Values.Min, e.Values.Max, e.Values.LastFinite, e.Values.NonFinite);
            start += e.Count;
        }
        return p;
    }

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream(Chunks * 72 + 64);
        using var w = new BinaryWriter(ms);
        w.Write(FormatVersion);
        w.Write(Sorted);
        w.Write(Chunks);
        for (var c = 0; c < Chunks; c++)
        {
            w.Write(Ids[c].ToByteArray());
            w.Write(Count[c]);
            w.Write(FirstStep[c]);
            w.Write(LastStep[c]);
            w.Write(Min[c]);
            w.Write(Max[c]);
            w.Write(LastFinite[c]);
            w.Write(LastTime[c]);
            w.Write(NonFinite[c]);
            w.Write(HasTimes[c]);
        }
        w.Flush();
        return ms.ToArray();
    }

    /// <summary>The stored pyramid, or null when it was written in another layout (it is then rebuilt).</summary>
    public static SeriesPyramid? FromBytes(string stamp, byte[] bytes)
    {
        using var r = new BinaryReader(new MemoryStream(bytes));
        if (r.ReadByte() != FormatVersion) return null;
        var sorted = r.ReadBoolean();
        var n = r.ReadInt32();
        var p = new SeriesPyramid
        {
            Stamp = stamp, Ids = new ObjectId[n], Start = new long[n], Count = new int[n], FirstStep = new long[n], LastStep = new long[n],
            Min = new double[n], Max = new double[n], LastFinite = new double[n], LastTime = new double[n], NonFinite = new int[n],
            HasTimes = new bool[n], Sorted = sorted,
        };
        long start = 0;
        for (var c = 0; c < n; c++)
        {
            p.Ids[c] = new ObjectId(r.ReadBytes(12));
            p.Start[c] = start;
            start += p.Count[c] = r.ReadInt32();
            p.FirstStep[c] = r.ReadInt64();
            p.LastStep[c] = r.ReadInt64();
            p.Min[c] = r.ReadDouble();
            p.Max[c] = r.ReadDouble();
            p.LastFinite[c] = r.ReadDouble();
            p.LastTime[c] = r.ReadDouble();
            p.NonFinite[c] = r.ReadInt32();
            p.HasTimes[c] = r.ReadBoolean();
        }
        return p;
    }

    /// <summary>The chunk holding point <paramref name="index"/> (0 ≤ index &lt; Total).</summary>
    public int ChunkOf(long index)
    {
        var i = Array.BinarySearch(Start, index);
        if (i >= 0)
        {
            while (i + 1 < Start.Length && Start[i + 1] == index) i++; // skip empty chunks (none are written, but be exact)
            return i;
        }
        return ~i - 1;
    }

    /// <summary>Min, max and last of the finite values and the non-finite count, as the downsampler computes them.</summary>
    public readonly record struct Summary(double Min, double Max, double LastFinite, int NonFinite)
    {
        public static readonly Summary Empty = new(double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0);

        public static Summary Of(ReadOnlySpan<double> values)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity, last = double.NaN;
            var nonFinite = 0;
            foreach (var v in values)
            {
                if (!double.IsFinite(v))
                {
                    nonFinite++;
                    continue;
                }
                if (v < lo) lo = v;
                if (v > hi) hi = v;
                last = v;
            }
            return new Summary(lo, hi, last, nonFinite);
        }

        /// <summary>This, followed by <paramref name="next"/>: strict comparisons keep the first of equal extremes, as a scan does.</summary>
        public Summary Then(Summary next) => new(
            next.Min < Min ? next.Min : Min,
            next.Max > Max ? next.Max : Max,
            double.IsNaN(next.LastFinite) ? LastFinite : next.LastFinite,
            NonFinite + next.NonFinite);
    }
}
