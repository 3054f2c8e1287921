using System.Globalization;
using LiteDB;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>Bucketed reads through the per-series chunk pyramid (<see cref="SeriesPyramid"/>).</summary>
public sealed partial class RunStore
{
    /// <summary>Parsed pyramids of recently read series, within a byte budget; a stale stamp makes a read reload them.</summary>
    private readonly SeriesPyramidCache _pyramids = new(StorageOptions.DefaultPyramidCacheMegabytes * 1024L * 1024);

    /// <summary>
    /// The memory budget of parsed pyramids kept between reads (<see cref="StorageOptions.PyramidCacheMegabytes"/>);
    /// lowering it drops the least recently read first. 0 keeps none: every chart read loads its pyramid's document.
    /// </summary>
    internal long PyramidCacheLimitBytes
    {
        get => _pyramids.LimitBytes;
        set => _pyramids.LimitBytes = value;
    }

    /// <summary>What the kept pyramids hold now, in bytes (estimated from their arrays); at most the limit.</summary>
    internal long PyramidCacheBytes => _pyramids.Bytes;

    /// <summary>How many series' pyramids are kept now.</summary>
    internal int PyramidCacheCount => _pyramids.Count;

    /// <summary>
    /// The steps <paramref name="from"/>…<paramref name="to"/> of a series in at most <paramref name="points"/> buckets
    /// (last finite value, min and max each), with the steps of its non-finite points. Bucket edges fall on the
    /// pyramid's block boundaries: a bucket is a whole number of blocks (the first and last may be cut by the range),
    /// chosen so the count is as close to <paramref name="points"/> as whole blocks allow. The blocks come from the
    /// pyramid in memory and only the two cut blocks are decoded, so the time does not grow with the series. A range
    /// of fewer blocks than about half the buckets that lies within a few chunks is reduced point by point, as
    /// <see cref="Downsampler"/> does (a longer one gets a bucket a block); one of at most <paramref name="points"/>
    /// points is sent whole. Null when the run has no such metric.
    /// </summary>
    public DownsampledSeries? GetBuckets(Run run, string key, int points, long? from = null, long? to = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (run.FindMetric(key) is null) return null;
        var pyramid = Pyramid(run, key);
        if (!pyramid.Sorted)
        {
            // Range reads binary-search steps; a series whose steps go back is reduced the old way, point by point.
            return GetSeries(run.Id, key, from, to) is { } s ? Downsampler.Reduce(s, points) : null;
        }
        return new BucketReader(this, pyramid, key).Reduce(points, from, to);
    }

    /// <summary>Drops cached pyramids of these runs (their chunks changed; commits drop the stored ones).</summary>
    private void ForgetCachedPyramids(IEnumerable<string> runIds)
    {
        _pyramids.ForgetRuns(runIds);
    }

    /// <summary>
    /// A run's data changes only through a commit, which bumps its UpdatedAt or DataVersion and usually the metric's
    /// count and last step; all four stamp the pyramid (and commits drop the run's pyramids as well).
    /// </summary>
    private static string Stamp(Run run, string key)
    {
        var m = run.FindMetric(key)!;
        // LiteDB keeps DateTime to the millisecond and may give it back as local time; PostgreSQL keeps microseconds.
        var updated = run.UpdatedAt.ToUniversalTime().Ticks / TimeSpan.TicksPerMillisecond;
        return string.Create(CultureInfo.InvariantCulture, $"{updated}:{run.DataVersion}:{m.Count}:{m.LastStep}");
    }

    private SeriesPyramid Pyramid(Run run, string key)
    {
        var seriesId = run.Id + "\n" + key;
        var stamp = Stamp(run, key);
        if (_pyramids.Get(seriesId, stamp) is { } cached) return cached;
        var stored = Backend.GetPyramid(run.Id, key);
        var pyramid = stored is { } s && s.Stamp == stamp ? SeriesPyramid.FromBytes(stamp, s.Bytes) : null;
        if (pyramid is null)
        {
            var chunks = Backend.ReadChunks(run.Id, key).Select(c => (c.Id, c.Chunk)).ToList();
            pyramid = SeriesPyramid.Build(stamp, chunks);
            Backend.SavePyramids([new SavedPyramid(run.Id, key, stamp, pyramid.ToBytes())]);
        }
        _pyramids.Put(seriesId, pyramid);
        return pyramid;
    }

    /// <summary>
    /// Pyramids of series an import wrote whole (their chunks, in order, are <paramref name="entries"/>), saved right
    /// after its commit so the first chart does not wait for them. A crash in between only means a lazy rebuild.
    /// </summary>
    internal void SavePyramids(IReadOnlyList<Run> runs, IReadOnlyDictionary<(string RunId, string Key), List<SeriesPyramid.Entry>> entries)
    {
        var saved = new List<SavedPyramid>();
        foreach (var run in runs)
        {
            foreach (var metric in run.Metrics)
            {
                if (!entries.TryGetValue((run.Id, metric.Key), out var list) || list.Sum(e => (long)e.Count) != metric.Count) continue;
                var pyramid = SeriesPyramid.Build(Stamp(run, metric.Key), list);
                saved.Add(new SavedPyramid(run.Id, metric.Key, pyramid.Stamp, pyramid.ToBytes()));
            }
        }
        if (saved.Count > 0) Backend.SavePyramids(saved);
    }

    private SeriesChunk ReadChunk(ObjectId id, string key) =>
        Backend.ReadChunk(id, key) ?? throw new InvalidDataException($"series chunk {id} is missing; the pyramid is stale");

    /// <summary>One bucketed read: decodes chunks on demand and keeps the last two (the range's two ends).</summary>
    private sealed class BucketReader(RunStore store, SeriesPyramid p, string key)
    {
        /// <summary>
        /// Chunks a short range may decode to be reduced point by point: one chunk read (document + decode) takes
        /// 0.2–0.4 ms on a LiteDB file here, so 8 keep a read within a few milliseconds. A longer range has at least
        /// 8 × 4,096 / 256 = 128 whole blocks, so one block a bucket still draws it in detail.
        /// </summary>
        private const int MaxChunksPointByPoint = 8;

        private int _aIndex = -1, _bIndex = -1;
        private SeriesChunk? _a, _b;

        private SeriesChunk Chunk(int c)
        {
            if (c == _aIndex) return _a!;
            if (c == _bIndex) return _b!;
            (_bIndex, _b) = (_aIndex, _a);
            _a = store.ReadChunk(p.Ids[c], key);
            _aIndex = c;
            return _a;
        }

        public DownsampledSeries Reduce(int points, long? from, long? to)
        {
            // The chunks a step range overlaps decide, as in GetSeries, whether the result has times at all.
            var firstChunk = from is { } f ? FirstChunkEndingAtOrAfter(f) : 0;
            var lastChunk = to is { } t ? LastChunkStartingAtOrBefore(t) : p.Chunks - 1;
            var hasTimes = false;
            for (var c = firstChunk; c <= lastChunk && !hasTimes; c++) hasTimes = p.HasTimes[c];

            var lo = from is null ? 0 : firstChunk >= p.Chunks ? p.Total : p.Start[firstChunk] + LowerBound(Chunk(firstChunk), from.Value);
            var hi = to is null ? p.Total : lastChunk < 0 ? 0 : p.Start[lastChunk] + UpperBound(Chunk(lastChunk), to.Value);
            if (hi < lo) hi = lo;
            var n = hi - lo;

            var nonFinite = NonFiniteSteps(lo, hi);
            if (n <= points) return Points(lo, hi, hasTimes, nonFinite);

            // Units of a bucket: whole blocks, plus the cut blocks where lo and hi fall (decoded: each lies in one chunk).
            var bLo = p.BlockOf(lo);
            var bHi = p.BlockOf(hi - 1);
            (long Start, long End)? head = lo != p.BlockStart[bLo] ? (lo, Math.Min(hi, p.BlockStart[bLo + 1])) : null;
            (long Start, long End)? tail = hi != p.BlockStart[bHi + 1] && (bHi != bLo || head is null) ? (p.BlockStart[bHi], hi) : null;
            var firstWhole = head is null ? bLo : bLo + 1;
            var wholeEnd = tail is null ? bHi + 1 : bHi;
            var whole = Math.Max(0, wholeEnd - firstWhole);
            var headUnits = head is null ? 0 : 1;
            var units = (long)whole + headUnits + (tail is null ? 0 : 1);

            // Too few blocks to fill about half the asked buckets: a range within a few chunks is reduced point by
            // point; a longer one gets one block a bucket, since every chunk read costs a document read and a decode.
            if (units * 2 < points && p.ChunkOf(hi - 1) - p.ChunkOf(lo) < MaxChunksPointByPoint)
            {
                var raw = Points(lo, hi, hasTimes, nonFinite);
                return Downsampler.Reduce(new MetricSeries(key, raw.Steps, raw.Values, raw.Times), points);
            }

            var size = (units + points - 1) / points;
            var buckets = (int)((units + size - 1) / size);
            var steps = new long[buckets];
            var last = new double[buckets];
            var min = new double[buckets];
            var max = new double[buckets];
            var times = hasTimes ? new double[buckets] : null;
            for (var b = 0; b < buckets; b++)
            {
                var u0 = b * size;
                var u1 = Math.Min(units, u0 + size);
                var summary = SeriesPyramid.Summary.Empty;
                long step = 0;
                var time = double.NaN;
                if (head is { } h && u0 == 0)
                {
                    (summary, step, time) = Piece(h.Start, h.End);
                    u0 = 1;
                }
                var withTail = tail is not null && u1 == units;
                if (withTail) u1--;
                if (u1 > u0)
                {
                    var g0 = (int)(firstWhole + u0 - headUnits);
                    var g1 = (int)(firstWhole + u1 - headUnits);
                    summary = Blocks(summary, g0, g1);
                    step = p.BlockLastStep[g1 - 1];
                    time = p.BlockLastTime[g1 - 1];
                }
                if (withTail)
                {
                    var (piece, tailStep, tailTime) = Piece(tail!.Value.Start, tail.Value.End);
                    (summary, step, time) = (summary.Then(piece), tailStep, tailTime);
                }
                steps[b] = step;
                if (times is not null) times[b] = time;
                last[b] = summary.LastFinite;
                min[b] = double.IsFinite(summary.Min) ? summary.Min : double.NaN;
                max[b] = double.IsFinite(summary.Max) ? summary.Max : double.NaN;
            }
            return new DownsampledSeries(key, steps, last, min, max, n, [.. nonFinite], true, times);
        }

        /// <summary>Blocks [g0, g1) after <paramref name="summary"/>; a chunk whose blocks are all inside counts as one line.</summary>
        private SeriesPyramid.Summary Blocks(SeriesPyramid.Summary summary, int g0, int g1)
        {
            var c = p.ChunkOfBlock(g0);
            for (var g = g0; g < g1;)
            {
                while (p.FirstBlock[c + 1] <= g) c++;
                if (g == p.FirstBlock[c] && p.FirstBlock[c + 1] <= g1)
                {
                    summary = summary.Then(p.ChunkSummary[c]);
                    g = p.FirstBlock[c + 1];
                }
                else
                {
                    summary = summary.Then(p.BlockSummary(g));
                    g++;
                }
            }
            return summary;
        }

        /// <summary>The points [start, end) of one chunk, decoded: their summary and the step and time of the last.</summary>
        private (SeriesPyramid.Summary Summary, long Step, double Time) Piece(long start, long end)
        {
            var c = p.ChunkOf(start);
            var chunk = Chunk(c);
            var (s, e) = Overlap(c, start, end);
            return (SeriesPyramid.Summary.Of(chunk.Values.AsSpan(s, e - s)), chunk.Steps[e - 1], chunk.Times is { } t ? t[e - 1] : double.NaN);
        }

        /// <summary>
        /// Steps of the first non-finite points of [lo, hi), in order. Chunks that list theirs in the pyramid are not
        /// decoded; a chunk with more than the pyramid lists gives that many steps, so few are decoded per read.
        /// </summary>
        private List<long> NonFiniteSteps(long lo, long hi)
        {
            var nonFinite = new List<long>();
            if (hi <= lo) return nonFinite;
            for (var c = p.ChunkOf(lo); c < p.Chunks && p.Start[c] < hi && nonFinite.Count < Downsampler.MaxNonFiniteSteps; c++)
            {
                if (p.NonFinite[c] == 0) continue;
                var (s, e) = Overlap(c, lo, hi);
                if (p.NonFiniteAt[c] is { } at)
                {
                    var kept = p.NonFiniteStep[c]!;
                    for (var i = 0; i < at.Length && nonFinite.Count < Downsampler.MaxNonFiniteSteps; i++)
                    {
                        if (at[i] >= s && at[i] < e) nonFinite.Add(kept[i]);
                    }
                    continue;
                }
                var chunk = Chunk(c);
                for (var i = s; i < e && nonFinite.Count < Downsampler.MaxNonFiniteSteps; i++)
                {
                    if (!double.IsFinite(chunk.Values[i])) nonFinite.Add(chunk.Steps[i]);
                }
            }
            return nonFinite;
        }

        /// <summary>All points of [lo, hi): a range short enough to send as is.</summary>
        private DownsampledSeries Points(long lo, long hi, bool hasTimes, List<long> nonFinite)
        {
            var n = (int)(hi - lo);
            var steps = new long[n];
            var values = new double[n];
            var times = hasTimes ? new double[n] : null;
            if (n > 0)
            {
                var w = 0;
                for (var c = p.ChunkOf(lo); c < p.Chunks && p.Start[c] < hi; c++)
                {
                    var chunk = Chunk(c);
                    var (s, e) = Overlap(c, lo, hi);
                    chunk.Steps.AsSpan(s, e - s).CopyTo(steps.AsSpan(w));
                    chunk.Values.AsSpan(s, e - s).CopyTo(values.AsSpan(w));
                    if (times is not null)
                    {
                        if (chunk.Times is null) times.AsSpan(w, e - s).Fill(double.NaN);
                        else chunk.Times.AsSpan(s, e - s).CopyTo(times.AsSpan(w));
                    }
                    w += e - s;
                }
            }
            return new DownsampledSeries(key, steps, values, values, values, n, [.. nonFinite], false, times);
        }

        /// <summary>The part of chunk c inside the point range [start, end), as offsets into the chunk.</summary>
        private (int Start, int End) Overlap(int c, long start, long end) =>
            ((int)Math.Max(0, start - p.Start[c]), (int)Math.Min(p.Count[c], end - p.Start[c]));

        private int FirstChunkEndingAtOrAfter(long step)
        {
            int lo = 0, hi = p.Chunks;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (p.LastStep[mid] >= step) hi = mid; else lo = mid + 1;
            }
            return lo;
        }

        private int LastChunkStartingAtOrBefore(long step)
        {
            int lo = 0, hi = p.Chunks;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (p.FirstStep[mid] <= step) lo = mid + 1; else hi = mid;
            }
            return lo - 1;
        }

        private static int LowerBound(SeriesChunk chunk, long step)
        {
            int lo = 0, hi = chunk.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (chunk.Steps[mid] >= step) hi = mid; else lo = mid + 1;
            }
            return lo;
        }

        private static int UpperBound(SeriesChunk chunk, long step)
        {
            int lo = 0, hi = chunk.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (chunk.Steps[mid] > step) hi = mid; else lo = mid + 1;
            }
            return lo;
        }
    }
}
