using System.Runtime.CompilerServices;
using LiteDB;
using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The summary of one series in two levels: every stored chunk, and every block of <see cref="BlockSize"/> points
/// inside a chunk (blocks start at the chunk's first point, so a chunk's last block may be shorter). A block keeps the
/// downsampler's bucket figures (min, max and last of the finite values, count of non-finite ones) and its last step
/// and time. A bucketed read whose bucket edges fall on block boundaries combines these in memory and decodes at most
/// the two chunks where the range's ends cut a block, however long the series is. Chunks keep the positions and steps
/// of their first non-finite points too, so listing the NaN/Inf steps of a range decodes nothing in the usual case.
/// Min, max and last are combined left to right with the same strict comparisons as <see cref="Analysis.Downsampler"/>,
/// so a bucket made of blocks has exactly the figures of a scan over its points.
/// </summary>
internal sealed class SeriesPyramid
{
    /// <summary>Version 1 had no blocks; a stored pyramid of another version is rebuilt, never read.</summary>
    private const byte FormatVersion = 2;

    /// <summary>
    /// 256 points a block: a 1,200-bucket read of 100 M points combines ~390 k block lines (a few milliseconds with
    /// whole chunks taken from their own line), while the blocks cost ~0.2 bytes a point before compression.
    /// </summary>
    public const int BlockSize = 256;

    /// <summary>
    /// Non-finite points a chunk lists in the pyramid. A chunk with more yields more than this many steps when read,
    /// so a read (capped at <see cref="Analysis.Downsampler.MaxNonFiniteSteps"/> steps) decodes at most ~31 of them.
    /// </summary>
    public const int NonFiniteKept = 64;

    public required string Stamp { get; init; }
    /// <summary>Steps never go down, within and across chunks: what range reads by binary search rely on.</summary>
    public required bool Sorted { get; init; }

    // One line a chunk.
    public required ObjectId[] Ids { get; init; }
    public required long[] Start { get; init; }
    public required int[] Count { get; init; }
    public required long[] FirstStep { get; init; }
    public required long[] LastStep { get; init; }
    public required bool[] HasTimes { get; init; }
    public required int[] NonFinite { get; init; }
    public required Summary[] ChunkSummary { get; init; }
    /// <summary>Offsets in the chunk of its non-finite points, or null when it has more than <see cref="NonFiniteKept"/>.</summary>
    public required int[]?[] NonFiniteAt { get; init; }
    public required long[]?[] NonFiniteStep { get; init; }
    /// <summary>Index of each chunk's first block; one more entry than chunks (the block count).</summary>
    public required int[] FirstBlock { get; init; }

    // One line a block.
    /// <summary>Index of each block's first point; one more entry than blocks (<see cref="Total"/>).</summary>
    public required long[] BlockStart { get; init; }
    public required double[] BlockMin { get; init; }
    public required double[] BlockMax { get; init; }
    public required double[] BlockLast { get; init; }
    public required int[] BlockNonFinite { get; init; }
    public required long[] BlockLastStep { get; init; }
    /// <summary>Time of each block's last point; NaN where the chunk has no times.</summary>
    public required double[] BlockLastTime { get; init; }

    public int Chunks => Ids.Length;
    public int Blocks => BlockMin.Length;
    public long Total => BlockStart[^1];

    /// <summary>
    /// About what this pyramid holds on the managed heap (what <see cref="SeriesPyramidCache"/> budgets): its arrays'
    /// elements and headers (~24 bytes on 64-bit .NET) and one LiteDB <see cref="ObjectId"/> object (~32 bytes) a chunk.
    /// A block costs 52 bytes, so a 100 M-point series (~390 k blocks) holds ~20 MB.
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            const long arrayHeader = 24, objectIdBytes = 32, arrays = 19;
            long bytes = arrays * arrayHeader + 64;
            bytes += Chunks * (8L + objectIdBytes + 8 + 4 + 8 + 8 + 1 + 4 + 32 + 8 + 8 + 4);
            bytes += Blocks * (8L + 8 + 8 + 8 + 4 + 8 + 8);
            for (var c = 0; c < Chunks; c++)
            {
                if (NonFiniteAt[c] is { } at) bytes += 2 * arrayHeader + at.Length * 12L;
            }
            return bytes + Stamp.Length * 2L;
        }
    }

    public Summary BlockSummary(int b) => new(BlockMin[b], BlockMax[b], BlockLast[b], BlockNonFinite[b]);

    /// <summary>The block lines of one chunk, in order.</summary>
    public sealed record BlockLines(double[] Min, double[] Max, double[] Last, int[] NonFinite, long[] LastStep, double[] LastTime);

    /// <summary>One chunk's lines of the pyramid.</summary>
    public readonly record struct Entry(
        ObjectId Id, int Count, long FirstStep, bool HasTimes, bool SortedWithin, BlockLines Blocks, int[]? NonFiniteAt, long[]? NonFiniteStep)
    {
        [MethodImpl(HotPath.Optimised)]
        public static Entry Of(ObjectId id, SeriesChunk chunk)
        {
            var n = chunk.Count;
            var sorted = true;
            for (var i = 1; i < n && sorted; i++) sorted = chunk.Steps[i] >= chunk.Steps[i - 1];
            var blocks = (n + BlockSize - 1) / BlockSize;
            var lines = new BlockLines(new double[blocks], new double[blocks], new double[blocks], new int[blocks], new long[blocks], new double[blocks]);
            var nonFinite = 0;
            for (var b = 0; b < blocks; b++)
            {
                var s = b * BlockSize;
                var e = Math.Min(n, s + BlockSize);
                var summary = Summary.Of(chunk.Values.AsSpan(s, e - s));
                (lines.Min[b], lines.Max[b], lines.Last[b], lines.NonFinite[b]) = (summary.Min, summary.Max, summary.LastFinite, summary.NonFinite);
                lines.LastStep[b] = chunk.Steps[e - 1];
                lines.LastTime[b] = chunk.Times is { } t ? t[e - 1] : double.NaN;
                nonFinite += summary.NonFinite;
            }
            int[]? at = null;
            long[]? steps = null;
            if (nonFinite <= NonFiniteKept)
            {
                at = new int[nonFinite];
                steps = new long[nonFinite];
                var w = 0;
                for (var i = 0; i < n && w < nonFinite; i++)
                {
                    if (double.IsFinite(chunk.Values[i])) continue;
                    at[w] = i;
                    steps[w++] = chunk.Steps[i];
                }
            }
            return new Entry(id, n, chunk.FirstStep, chunk.Times is not null, sorted, lines, at, steps);
        }
    }

    public static SeriesPyramid Build(string stamp, IReadOnlyList<(ObjectId Id, SeriesChunk Chunk)> chunks) =>
        Build(stamp, chunks.Select(c => Entry.Of(c.Id, c.Chunk)).ToList());

    /// <summary>The pyramid of chunks in sequence order.</summary>
    public static SeriesPyramid Build(string stamp, IReadOnlyList<Entry> entries)
    {
        var n = entries.Count;
        var sorted = true;
        for (var c = 0; c < n && sorted; c++)
        {
            sorted = entries[c].SortedWithin && (c == 0 || entries[c].FirstStep >= entries[c - 1].Blocks.LastStep[^1]);
        }
        var blocks = entries.Sum(e => e.Blocks.Min.Length);
        var p = Allocate(stamp, sorted, n, blocks);
        var b = 0;
        for (var c = 0; c < n; c++)
        {
            var e = entries[c];
            p.Ids[c] = e.Id;
            p.Count[c] = e.Count;
            p.FirstStep[c] = e.FirstStep;
            p.HasTimes[c] = e.HasTimes;
            p.NonFiniteAt[c] = e.NonFiniteAt;
            p.NonFiniteStep[c] = e.NonFiniteStep;
            var lines = e.Blocks;
            lines.Min.CopyTo(p.BlockMin, b);
            lines.Max.CopyTo(p.BlockMax, b);
            lines.Last.CopyTo(p.BlockLast, b);
            lines.NonFinite.CopyTo(p.BlockNonFinite, b);
            lines.LastStep.CopyTo(p.BlockLastStep, b);
            lines.LastTime.CopyTo(p.BlockLastTime, b);
            b += lines.Min.Length;
        }
        p.Derive();
        return p;
    }

    private static SeriesPyramid Allocate(string stamp, bool sorted, int chunks, int blocks) => new()
    {
        Stamp = stamp, Sorted = sorted,
        Ids = new ObjectId[chunks], Start = new long[chunks], Count = new int[chunks], FirstStep = new long[chunks], LastStep = new long[chunks],
        HasTimes = new bool[chunks], NonFinite = new int[chunks], ChunkSummary = new Summary[chunks],
        NonFiniteAt = new int[]?[chunks], NonFiniteStep = new long[]?[chunks], FirstBlock = new int[chunks + 1],
        BlockStart = new long[blocks + 1], BlockMin = new double[blocks], BlockMax = new double[blocks], BlockLast = new double[blocks],
        BlockNonFinite = new int[blocks], BlockLastStep = new long[blocks], BlockLastTime = new double[blocks],
    };

    /// <summary>Fills what follows from the chunk counts and block lines: starts, chunk summaries, last steps.</summary>
    private void Derive()
    {
        long start = 0;
        var b = 0;
        for (var c = 0; c < Chunks; c++)
        {
            Start[c] = start;
            FirstBlock[c] = b;
            var blocks = (Count[c] + BlockSize - 1) / BlockSize;
            var summary = Summary.Empty;
            for (var j = 0; j < blocks; j++, b++)
            {
                BlockStart[b] = start + (long)j * BlockSize;
                summary = summary.Then(BlockSummary(b));
            }
            ChunkSummary[c] = summary;
            NonFinite[c] = summary.NonFinite;
            LastStep[c] = BlockLastStep[b - 1];
            start += Count[c];
        }
        FirstBlock[Chunks] = b;
        BlockStart[b] = start;
    }

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream(Chunks * 40 + Blocks * 8 + 64);
        using var w = new BinaryWriter(ms);
        w.Write(FormatVersion);
        w.Write(Sorted);
        w.Write(Chunks);
        w.Write(Blocks);
        for (var c = 0; c < Chunks; c++)
        {
            w.Write(Ids[c].ToByteArray());
            w.Write(Count[c]);
            w.Write(FirstStep[c]);
            w.Write(HasTimes[c]);
            var at = NonFiniteAt[c];
            w.Write(at?.Length ?? -1);
            for (var i = 0; at is not null && i < at.Length; i++)
            {
                w.Write(at[i]);
                w.Write(NonFiniteStep[c]![i]);
            }
        }
        // Block lines go through the series codec: lossless (NaN, ±Inf and −0 included) and small for printed values.
        Blob(w, SeriesCodec.EncodeDoubles(BlockMin));
        Blob(w, SeriesCodec.EncodeDoubles(BlockMax));
        Blob(w, SeriesCodec.EncodeDoubles(BlockLast));
        Blob(w, SeriesCodec.EncodeSteps(Array.ConvertAll(BlockNonFinite, x => (long)x)));
        Blob(w, SeriesCodec.EncodeSteps(BlockLastStep));
        Blob(w, SeriesCodec.EncodeDoubles(BlockLastTime, order: 2));
        w.Flush();
        return ms.ToArray();
    }

    private static void Blob(BinaryWriter w, byte[] bytes)
    {
        w.Write(bytes.Length);
        w.Write(bytes);
    }

    /// <summary>The stored pyramid, or null when it was written in another layout or is damaged (it is then rebuilt).</summary>
    public static SeriesPyramid? FromBytes(string stamp, byte[] bytes)
    {
        if (bytes.Length == 0 || bytes[0] != FormatVersion) return null;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes));
            r.ReadByte();
            var sorted = r.ReadBoolean();
            var n = r.ReadInt32();
            var blocks = r.ReadInt32();
            if (n < 0 || blocks < 0 || n > bytes.Length) return null;
            var p = Allocate(stamp, sorted, n, blocks);
            long expectedBlocks = 0;
            for (var c = 0; c < n; c++)
            {
                p.Ids[c] = new ObjectId(r.ReadBytes(12));
                p.Count[c] = r.ReadInt32();
                p.FirstStep[c] = r.ReadInt64();
                p.HasTimes[c] = r.ReadBoolean();
                var kept = r.ReadInt32();
                if (kept > NonFiniteKept) return null;
                if (kept >= 0)
                {
                    var at = new int[kept];
                    var steps = new long[kept];
                    for (var i = 0; i < kept; i++)
                    {
                        at[i] = r.ReadInt32();
                        steps[i] = r.ReadInt64();
                    }
                    (p.NonFiniteAt[c], p.NonFiniteStep[c]) = (at, steps);
                }
                if (p.Count[c] <= 0) return null;
                expectedBlocks += (p.Count[c] + BlockSize - 1) / BlockSize;
            }
            if (expectedBlocks != blocks) return null;
            SeriesCodec.DecodeDoubles(ReadBlob(r), blocks).CopyTo(p.BlockMin, 0);
            SeriesCodec.DecodeDoubles(ReadBlob(r), blocks).CopyTo(p.BlockMax, 0);
            SeriesCodec.DecodeDoubles(ReadBlob(r), blocks).CopyTo(p.BlockLast, 0);
            var nonFinite = SeriesCodec.DecodeSteps(ReadBlob(r), blocks);
            for (var b = 0; b < blocks; b++) p.BlockNonFinite[b] = checked((int)nonFinite[b]);
            SeriesCodec.DecodeSteps(ReadBlob(r), blocks).CopyTo(p.BlockLastStep, 0);
            SeriesCodec.DecodeDoubles(ReadBlob(r), blocks).CopyTo(p.BlockLastTime, 0);
            p.Derive();
            return p;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static byte[] ReadBlob(BinaryReader r)
    {
        var length = r.ReadInt32();
        var bytes = r.ReadBytes(length);
        if (length < 0 || bytes.Length != length) throw new EndOfStreamException("pyramid blob cut short");
        return bytes;
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

    /// <summary>The block holding point <paramref name="index"/> (0 ≤ index &lt; Total).</summary>
    public int BlockOf(long index)
    {
        var i = Array.BinarySearch(BlockStart, 0, Blocks, index);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>The chunk holding block <paramref name="block"/>.</summary>
    public int ChunkOfBlock(int block)
    {
        var i = Array.BinarySearch(FirstBlock, 0, Chunks, block);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>Min, max and last of the finite values and the non-finite count, as the downsampler computes them.</summary>
    public readonly record struct Summary(double Min, double Max, double LastFinite, int NonFinite)
    {
        public static readonly Summary Empty = new(double.PositiveInfinity, double.NegativeInfinity, double.NaN, 0);

        [MethodImpl(HotPath.Optimised)]
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

/// <summary>
/// Parsed pyramids of recently read series within a byte budget (<see cref="SeriesPyramid.MemoryBytes"/>): adding one
/// past the budget drops the least recently read first. A dropped pyramid is read again from its saved bytes (one
/// document, decoded in milliseconds) when its series is next charted, so the budget bounds memory, not correctness.
/// A pyramid larger than the whole budget is used for its read and not kept. Thread-safe: reads of several circuits
/// and the commits that forget runs meet here under one lock, held only for dictionary and list updates.
/// </summary>
internal sealed class SeriesPyramidCache(long limitBytes)
{
    private sealed record Entry(string Series, SeriesPyramid Pyramid, long Bytes);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _bySeries = new(StringComparer.Ordinal);
    /// <summary>Most recently read first.</summary>
    private readonly LinkedList<Entry> _recent = new();
    private long _bytes;
    private long _limit = CheckLimit(limitBytes);

    /// <summary>The budget in bytes; lowering it drops pyramids until they fit.</summary>
    public long LimitBytes
    {
        get { lock (_lock) return _limit; }
        set
        {
            lock (_lock)
            {
                _limit = CheckLimit(value);
                Trim();
            }
        }
    }

    /// <summary>What the kept pyramids hold, by <see cref="SeriesPyramid.MemoryBytes"/>; never above <see cref="LimitBytes"/>.</summary>
    public long Bytes
    {
        get { lock (_lock) return _bytes; }
    }

    public int Count
    {
        get { lock (_lock) return _bySeries.Count; }
    }

    /// <summary>The kept pyramid of <paramref name="series"/> if it has this <paramref name="stamp"/>; a stale one is dropped.</summary>
    public SeriesPyramid? Get(string series, string stamp)
    {
        lock (_lock)
        {
            if (!_bySeries.TryGetValue(series, out var node)) return null;
            if (node.Value.Pyramid.Stamp != stamp)
            {
                Remove(node);
                return null;
            }
            _recent.Remove(node);
            _recent.AddFirst(node);
            return node.Value.Pyramid;
        }
    }

    public void Put(string series, SeriesPyramid pyramid)
    {
        var bytes = pyramid.MemoryBytes;
        lock (_lock)
        {
            if (_bySeries.TryGetValue(series, out var old)) Remove(old);
            if (bytes > _limit) return;
            _bySeries[series] = _recent.AddFirst(new Entry(series, pyramid, bytes));
            _bytes += bytes;
            Trim();
        }
    }

    /// <summary>Drops the pyramids of these runs' series (keys are <c>run id \n metric key</c>).</summary>
    public void ForgetRuns(IEnumerable<string> runIds)
    {
        var ids = runIds.ToHashSet(StringComparer.Ordinal);
        if (ids.Count == 0) return;
        lock (_lock)
        {
            for (var node = _recent.First; node is not null;)
            {
                var next = node.Next;
                var series = node.Value.Series;
                if (ids.Contains(series[..series.IndexOf('\n')])) Remove(node);
                node = next;
            }
        }
    }

    private void Trim()
    {
        while (_bytes > _limit && _recent.Last is { } oldest) Remove(oldest);
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _recent.Remove(node);
        _bySeries.Remove(node.Value.Series);
        _bytes -= node.Value.Bytes;
    }

    private static long CheckLimit(long bytes) => bytes >= 0
        ? bytes
        : throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "the pyramid cache budget is a number of bytes, 0 or more (0 keeps none)");
}
