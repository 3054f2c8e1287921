using LiteDB;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;

namespace RunDashboard.Tests.Storage;

/// <summary>The stored bytes of a pyramid: read back exactly, and anything else is refused so it gets rebuilt.</summary>
public class SeriesPyramidFormatTests
{
    private static List<(ObjectId, SeriesChunk)> Chunks(int chunks, Random random)
    {
        var list = new List<(ObjectId, SeriesChunk)>();
        long step = 0;
        for (var c = 0; c < chunks; c++)
        {
            // Full chunks and short ones (a growing log's), with and without times.
            var n = random.Next(3) == 0 ? random.Next(1, SeriesChunk.DefaultSize) : SeriesChunk.DefaultSize;
            var steps = new long[n];
            var values = new double[n];
            var times = c % 3 == 0 ? null : new double[n];
            for (var i = 0; i < n; i++)
            {
                steps[i] = step += random.Next(1, 3);
                values[i] = random.Next(500) switch
                {
                    0 => double.NaN, 1 => double.PositiveInfinity, 2 => -0.0, 3 => random.NextDouble() * 1e300, _ => Math.Round(random.NextDouble(), 3),
                };
                if (times is not null) times[i] = 1.7e9 + step * 0.25;
            }
            list.Add((ObjectId.NewObjectId(), new SeriesChunk("loss", c, steps, values, times, n)));
        }
        return list;
    }

    private static void AssertBits(double[] expected, double[] actual) =>
        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), actual.Select(BitConverter.DoubleToInt64Bits));

    [Fact]
    public void A_long_series_pyramid_reads_back_exactly()
    {
        var chunks = Chunks(600, new Random(5));
        var built = SeriesPyramid.Build("s", chunks);
        Assert.True(built.Blocks > 8_000);
        var read = SeriesPyramid.FromBytes("s", built.ToBytes());

        Assert.NotNull(read);
        Assert.Equal(built.Ids, read.Ids);
        Assert.Equal(built.Count, read.Count);
        Assert.Equal(built.Start, read.Start);
        Assert.Equal(built.FirstStep, read.FirstStep);
        Assert.Equal(built.LastStep, read.LastStep);
        Assert.Equal(built.HasTimes, read.HasTimes);
        Assert.Equal(built.NonFinite, read.NonFinite);
        Assert.Equal(built.FirstBlock, read.FirstBlock);
        Assert.Equal(built.BlockStart, read.BlockStart);
        AssertBits(built.BlockMin, read.BlockMin);
        AssertBits(built.BlockMax, read.BlockMax);
        AssertBits(built.BlockLast, read.BlockLast);
        AssertBits(built.BlockLastTime, read.BlockLastTime);
        Assert.Equal(built.BlockNonFinite, read.BlockNonFinite);
        Assert.Equal(built.BlockLastStep, read.BlockLastStep);
        for (var c = 0; c < built.Chunks; c++)
        {
            Assert.Equal(built.NonFiniteAt[c], read.NonFiniteAt[c]);
            Assert.Equal(built.NonFiniteStep[c], read.NonFiniteStep[c]);
        }
    }

    [Fact]
    public void Block_lines_are_the_figures_of_their_points()
    {
        var chunks = Chunks(20, new Random(9));
        var p = SeriesPyramid.Build("s", chunks);
        var b = 0;
        foreach (var (_, chunk) in chunks)
        {
            for (var s = 0; s < chunk.Count; s += SeriesPyramid.BlockSize, b++)
            {
                var e = Math.Min(chunk.Count, s + SeriesPyramid.BlockSize);
                var finite = chunk.Values[s..e].Where(double.IsFinite).ToList();
                Assert.Equal(finite.Count == 0 ? double.PositiveInfinity : finite.Min(), p.BlockMin[b]);
                Assert.Equal(finite.Count == 0 ? double.NegativeInfinity : finite.Max(), p.BlockMax[b]);
                Assert.Equal(e - s - finite.Count, p.BlockNonFinite[b]);
                Assert.Equal(chunk.Steps[e - 1], p.BlockLastStep[b]);
                Assert.Equal(chunk.Times is null ? double.NaN : chunk.Times[e - 1], p.BlockLastTime[b]);
            }
        }
        Assert.Equal(p.Blocks, b);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 1, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 2, 1, 5, 0, 0, 0, 9 })]
    public void Bytes_of_another_layout_or_cut_short_are_refused(byte[] bytes) => Assert.Null(SeriesPyramid.FromBytes("s", bytes));

    [Fact]
    public void A_stored_pyramid_cut_anywhere_is_refused_not_misread()
    {
        var bytes = SeriesPyramid.Build("s", Chunks(3, new Random(1))).ToBytes();
        for (var length = 0; length < bytes.Length; length += 7) Assert.Null(SeriesPyramid.FromBytes("s", bytes[..length]));
    }
}
