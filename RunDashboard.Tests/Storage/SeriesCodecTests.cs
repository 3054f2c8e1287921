using System.Globalization;
using LiteDB;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Storage;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Storage;

public class SeriesCodecTests : IDisposable
{
    private readonly TestStores _stores;

    /// <summary>The database under test; the PostgreSQL variant of this class overrides it.</summary>
    protected virtual StorageProvider Provider => StorageProvider.LiteDb;

    public SeriesCodecTests() => _stores = new TestStores(Provider);

    /// <summary>Values as a log prints them: text with 3–6 significant digits, parsed back, as the parsers do.</summary>
    private static double Printed(Random random, int digits, int exponentRange)
    {
        var v = (random.NextDouble() * 2 - 1) * Math.Pow(10, random.Next(-exponentRange, exponentRange + 1));
        return double.Parse(v.ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static double[] RandomValues(Random random, int n)
    {
        var digits = random.Next(3, 7);
        var range = random.Next(4) switch { 0 => 0, 1 => 3, 2 => 12, _ => 300 };
        var values = new double[n];
        var walk = Printed(random, digits, range);
        for (var i = 0; i < n; i++)
        {
            var r = random.Next(100);
            values[i] = r switch
            {
                0 => double.NaN,
                1 => double.PositiveInfinity,
                2 => double.NegativeInfinity,
                3 => 0.0,
                4 => -0.0,
                5 => BitConverter.Int64BitsToDouble(random.NextInt64()), // any bits, including NaN payloads
                < 50 => Printed(random, digits, range),
                _ => walk = double.Parse((walk * (1 + (random.NextDouble() - 0.5) * 0.01)).ToString("G" + digits, CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            };
        }
        return values;
    }

    private static long[] RandomSteps(Random random, int n)
    {
        var steps = new long[n];
        long step = random.Next(2) == 0 ? 0 : random.NextInt64(-1_000_000, 1L << 40);
        var every = random.Next(1, 100);
        for (var i = 0; i < n; i++)
        {
            steps[i] = step;
            step += random.Next(10) == 0 ? random.NextInt64(-5, 100_000) : every;
        }
        return steps;
    }

    private static void AssertBitIdentical(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i]),
                $"point {i}: {expected[i]:R} stored, {actual[i]:R} read");
        }
    }

    [Fact]
    public void Random_printed_series_round_trip_bit_identically()
    {
        var random = new Random(17);
        for (var round = 0; round < 400; round++)
        {
            var n = random.Next(0, 5000);
            var values = RandomValues(random, n);
            var steps = RandomSteps(random, n);
            AssertBitIdentical(values, SeriesCodec.DecodeDoubles(SeriesCodec.EncodeDoubles(values), n));
            AssertBitIdentical(values, SeriesCodec.DecodeDoubles(SeriesCodec.EncodeDoubles(values, order: 2), n));
            Assert.Equal(steps, SeriesCodec.DecodeSteps(SeriesCodec.EncodeSteps(steps), n));
        }
    }

    [Theory]
    // Each later value needs more decimals than the ones before: the mantissas found so far are rescaled.
    [InlineData(new[] { 100.0, 2.5, 0.125, 3.14159, -7e-6, 100.0, 0.0 }, 1)]
    [InlineData(new[] { 4e3, 3.0, 1.25e-5, 12345.678 }, 1)]
    // 1e15 and 1.5 share no exponent with both mantissas below 2^53: the chunk falls back to XOR.
    [InlineData(new[] { 1e15, 1.5 }, 2)]
    public void A_chunk_whose_decimals_grow_keeps_every_value(double[] values, int kind)
    {
        var blob = SeriesCodec.EncodeDoubles(values);

        Assert.Equal(kind, blob[0] & 0x7F);
        AssertBitIdentical(values, SeriesCodec.DecodeDoubles(blob, values.Length));
    }

    [Fact]
    public void Values_without_a_short_decimal_form_round_trip_through_the_xor_fallback()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 4096).Select(_ => random.NextDouble() * Math.Exp(random.Next(-700, 700))).ToArray();
        values[7] = 1e-320; // subnormal
        values[8] = double.MaxValue;
        values[9] = double.Epsilon;
        AssertBitIdentical(values, SeriesCodec.DecodeDoubles(SeriesCodec.EncodeDoubles(values), values.Length));
    }

    [Fact]
    public void A_regular_log_costs_at_most_two_bytes_a_point()
    {
        // A loss printed with 3 decimals every 10 steps, a learning rate with 6 significant digits, tokens/s as integers.
        var random = new Random(3);
        var n = SeriesChunk.DefaultSize;
        var steps = Enumerable.Range(0, n).Select(i => 10L * i + 10).ToArray();
        var loss = new double[n];
        var lr = new double[n];
        var tps = new double[n];
        var l = 3.0;
        for (var i = 0; i < n; i++)
        {
            l = Math.Max(0.5, l - 0.0004 + (random.NextDouble() - 0.5) * 0.05);
            loss[i] = double.Parse(l.ToString("F3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            lr[i] = double.Parse((1e-4 * Math.Cos(i / 3000.0)).ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            tps[i] = Math.Round(5000 + random.NextDouble() * 400);
        }
        var stepBytes = SeriesCodec.EncodeSteps(steps).Length;
        foreach (var values in new[] { loss, lr, tps })
        {
            var bytes = SeriesCodec.EncodeDoubles(values).Length + stepBytes;
            Assert.True(bytes <= 2 * n, $"{bytes / (double)n:F2} bytes a point");
        }
    }

    [Fact]
    public void Chunks_written_in_the_first_format_still_read_after_reopening()
    {
        var random = new Random(11);
        var n = 10_000;
        var steps = RandomSteps(random, n).Order().ToArray();
        var values = RandomValues(random, n);
        var times = Enumerable.Range(0, n).Select(i => i % 7 == 0 ? double.NaN : 1.7e9 + i * 0.25).ToArray();
        string runId;
        using (var store = _stores.Open("old.db"))
        {
            // An import by the new code gives a committed run; its chunks are then replaced by first-format documents.
            var stage = store.BeginImport();
            var context = new ImportContext("old.log", stage);
            var draft = context.Run();
            runId = draft.Id;
            stage.Commit([new Run { Id = runId, Name = "old", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = n, LastStep = steps[^1] }] }], []);
            for (int seq = 0, start = 0; start < n; seq++, start += SeriesChunk.DefaultSize)
            {
                var count = Math.Min(SeriesChunk.DefaultSize, n - start);
                InsertFirstFormat(store, "old.db", runId, new SeriesChunk(MetricKeys.TrainLoss, seq,
                    steps[start..(start + count)], values[start..(start + count)], times[start..(start + count)], count));
            }
        }

        using var reopened = _stores.Open("old.db");
        var series = reopened.GetSeries(runId, MetricKeys.TrainLoss)!;
        Assert.Equal(steps, series.Steps);
        AssertBitIdentical(values, series.Values);
        AssertBitIdentical(times, series.Times!);
    }

    [Fact]
    public void Series_written_by_the_store_read_back_bit_identically()
    {
        var random = new Random(23);
        using var store = _stores.Open("new.db");
        var n = 20_000;
        var steps = RandomSteps(random, n).Order().ToArray();
        var values = RandomValues(random, n);
        var stage = store.BeginImport();
        var context = new ImportContext("new.log", stage);
        var draft = context.Run();
        var writer = draft.Metric("loss");
        for (var i = 0; i < n; i++) writer.Add(steps[i], values[i], i + 1, 1.7e9 + i);
        context.Flush();
        stage.Commit([new Run { Id = draft.Id, Name = "new", Metrics = [new MetricInfo { Key = MetricKeys.TrainLoss, Count = n, LastStep = steps[^1] }] }], []);

        var series = store.GetSeries(draft.Id, MetricKeys.TrainLoss)!;
        Assert.Equal(steps, series.Steps);
        AssertBitIdentical(values, series.Values);
        Assert.Equal(Enumerable.Range(0, n).Select(i => 1.7e9 + i), series.Times!);
        Assert.All(_stores.ChunkCodecs(store, "new.db"), codec => Assert.Equal(SeriesCodec.Version, codec));
    }

    /// <summary>
    /// A chunk in the first format as a database holds it: on LiteDB the document as the first code wrote it; on
    /// PostgreSQL a row without a codec number, as a copy of an old LiteDB file has.
    /// </summary>
    private void InsertFirstFormat(RunStore store, string name, string runId, SeriesChunk chunk)
    {
        if (_stores.Provider == StorageProvider.LiteDb)
        {
            store.Database.GetCollection(RunStore.ChunksCollection).Insert(FirstFormatDocument(runId, chunk));
            return;
        }
        var (steps, values, times) = SeriesChunkCodec.Encode(chunk);
        using var conn = new Npgsql.NpgsqlConnection(_stores.ConnectionString(name));
        conn.Open();
        using var cmd = new Npgsql.NpgsqlCommand("""
            INSERT INTO chunks (id, run_id, series_key, import_id, seq, first_step, last_step, point_count, codec, steps_blob, values_blob, times_blob)
            VALUES (@id, @run, @key, 'old-import', @seq, @first, @last, @count, NULL, @steps, @values, @times)
            """, conn);
        cmd.Parameters.AddWithValue("id", ObjectId.NewObjectId().ToByteArray());
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("key", chunk.Key);
        cmd.Parameters.AddWithValue("seq", chunk.Sequence);
        cmd.Parameters.AddWithValue("first", chunk.FirstStep);
        cmd.Parameters.AddWithValue("last", chunk.LastStep);
        cmd.Parameters.AddWithValue("count", chunk.Count);
        cmd.Parameters.AddWithValue("steps", steps);
        cmd.Parameters.AddWithValue("values", values);
        cmd.Parameters.Add(new Npgsql.NpgsqlParameter("times", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)times ?? DBNull.Value });
        cmd.ExecuteNonQuery();
    }

    /// <summary>The chunk document exactly as the first code wrote it.</summary>
    internal static BsonDocument FirstFormatDocument(string runId, SeriesChunk chunk)
    {
        var (steps, values, times) = SeriesChunkCodec.Encode(chunk);
        var doc = new BsonDocument
        {
            ["_id"] = ObjectId.NewObjectId(),
            ["RunId"] = runId,
            ["Import"] = "old-import",
            ["SeriesId"] = runId + "\n" + chunk.Key,
            ["Seq"] = chunk.Sequence,
            ["FirstStep"] = chunk.FirstStep,
            ["LastStep"] = chunk.LastStep,
            ["Count"] = chunk.Count,
            ["Steps"] = steps,
            ["Values"] = values,
        };
        if (times is not null) doc["Times"] = times;
        return doc;
    }

    public void Dispose() => _stores.Dispose();
}
