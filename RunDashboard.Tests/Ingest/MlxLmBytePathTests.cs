using System.Globalization;
using System.Text;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Ingest.Formats;
using RunDashboard.Core.Model;
using RunDashboard.Tests.Support;

namespace RunDashboard.Tests.Ingest;

/// <summary>
/// The MLX-LM reader reads plain <c>Iter</c> lines straight from their bytes and every other line through the
/// character path. Both ways must give the same import to the last bit: these tests read logs both ways (the
/// character path alone, and bytes where possible) and compare everything that comes out, in order.
/// </summary>
public class MlxLmBytePathTests
{
    [Theory]
    [InlineData("mlx_lm_lora_run3.log")]
    [InlineData("mlx_lm_problems.log")]
    [InlineData("real/unseen/mlx-lm_llama32_cuda_pr330.log")]
    [InlineData("real/seen/mlx-lm_gemma_config_issue18.log")]
    public void Fixtures_read_the_same_from_bytes_as_from_characters(string fixture)
    {
        var bytes = Fixture.Bytes(fixture);

        var (chars, fast) = ReadBothWays(bytes);

        Assert.Equal(chars, fast.Dump);
        Assert.True(fast.ByteLines > 0, "no line was read from its bytes");
    }

    [Theory]
    [InlineData(1, 4096)]
    [InlineData(2, 16)]
    [InlineData(3, 7)]
    [InlineData(4, 64)]
    [InlineData(5, 16)]
    [InlineData(6, 4096)]
    public void Mixed_logs_read_the_same_from_bytes_as_from_characters(int seed, int chunkSize)
    {
        var bytes = MixedLog(seed, lines: 3000);

        var (chars, fast) = ReadBothWays(bytes, chunkSize);

        Assert.Equal(chars, fast.Dump);
        Assert.True(fast.ByteLines > 1000, $"only {fast.ByteLines} lines were read from their bytes");
    }

    [Fact]
    public void A_log_of_many_batches_reads_the_same_on_two_threads()
    {
        var bytes = MixedLog(seed: 7, lines: 14_000);

        var (chars, fast) = ReadBothWays(bytes, chunkSize: 256);

        Assert.Equal(chars, fast.Dump);
        Assert.True(fast.ByteLines > 5_000, $"only {fast.ByteLines} lines were read from their bytes");
    }

    [Fact]
    public void Lines_over_the_length_limit_are_reported_in_their_place_both_ways()
    {
        // The mixed log has lines of about 70 KB; with a 64 KB limit the reader skips and reports them.
        var bytes = MixedLog(seed: 8, lines: 6000);

        var (chars, fast) = ReadBothWays(bytes, limits: new IngestLimits { MaxLineBytes = 64 * 1024 });

        Assert.Equal(chars, fast.Dump);
        Assert.Contains("longer than Limits:MaxLineBytes", chars);
    }

    [Theory]
    [InlineData(Way.BytesOnOneThread)]
    [InlineData(Way.BytesOnTwoThreads)]
    [InlineData(Way.BytesOnTwoThreadsApplyingThreadReads)]
    public void A_limit_reached_while_reading_from_bytes_fails_the_parse_with_its_message(Way way)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= 20_000; i++) text.Append(CultureInfo.InvariantCulture, $"Iter {i}: Train loss 1.5, Learning Rate 1.000e-05\n");
        var context = Context(new RecordingSink(), SeriesChunk.DefaultSize, way, new IngestLimits { MaxPointsPerRun = 25_000 });

        var error = Assert.Throws<FormatException>(() => new MlxLmFormat().Parse(new MemoryStream(Encoding.ASCII.GetBytes(text.ToString())), context, CancellationToken.None));

        Assert.Contains("MaxPointsPerRun", error.Message);
    }

    [Fact]
    public void Lines_longer_than_a_read_ahead_block_read_the_same_every_way()
    {
        // A file is read ahead in blocks of a megabyte: a 3 MB line spans several; a 4 MB limit keeps it, 2 MB skips it.
        var log = Encoding.ASCII.GetString(MixedLog(seed: 9, lines: 300));
        var cut = log.IndexOf('\n', log.Length / 2) + 1;
        var bytes = Encoding.ASCII.GetBytes(log[..cut] + "Iter 7: Train loss " + new string('7', 3 << 20) + "\n" + log[cut..]);

        var (chars, fast) = ReadBothWays(bytes, limits: new IngestLimits { MaxLineBytes = 4 << 20 });
        var (limitedChars, limited) = ReadBothWays(bytes, limits: new IngestLimits { MaxLineBytes = 2 << 20 });

        Assert.Equal(chars, fast.Dump);
        Assert.Equal(limitedChars, limited.Dump);
        Assert.DoesNotContain("longer than Limits:MaxLineBytes", chars);
        Assert.Contains("longer than Limits:MaxLineBytes", limitedChars);
    }

    [Fact]
    public void Lines_with_anything_to_clean_go_the_character_way()
    {
        var text =
            "Iter 1: Train loss 2.0, Learning Rate 1.000e-05\n" + // plain: bytes
            "\uFEFFIter 1: Train loss 2.1, Learning Rate 1.000e-05\n" + // a byte order mark is only skipped on the first line
            "\u001b[32mIter 2: Train loss 1.9, Learning Rate 1.000e-05\u001b[0m\n" + // colours
            "[rank0]: Iter 3: Train loss 1.8, Learning Rate 1.000e-05\n" + // launcher prefix
            " 10%|#   | 3/30 [00:01<00:10, 1.0it/s]\rIter 4: Train loss 1.7, Learning Rate 1.000e-05\n" + // tqdm redraw
            "Iter 5: Train loss 1.6, Lösung 1.000e-05\n" + // not ASCII
            "Iter 6: Train loss nan, Learning Rate 1.000e-05\n" + // nan is not a plain decimal
            "Iter 7: Train loss 1.5,  Learning Rate 1.000e-05\n" + // two spaces after the comma
            "Iter 8: Train loss 1.4, Learning Rate 1.000e-05\r\n"; // CRLF: bytes

        var (chars, fast) = ReadBothWays(Encoding.UTF8.GetBytes(text));

        Assert.Equal(chars, fast.Dump);
        Assert.Equal(2, fast.ByteLines);
    }

    [Fact]
    public void Two_names_of_one_series_on_a_line_read_the_same_both_ways()
    {
        // "Train loss" and "train/loss" both name train/loss, and a name can come twice: the second point at the
        // same step is a repeated step, reported, whichever way the line is read.
        var text =
            "Iter 1: Train loss 3.0, train/loss 3.5, Learning Rate 1.000e-05\n" +
            "Iter 2: Train loss 2.5, train/loss 2.6, Learning Rate 1.000e-05\n" +
            "Iter 3: Train loss 2.0, Train loss 2.1\n" +
            "Iter 4: Train loss 1.5, Train loss 1.6\n";

        var (chars, fast) = ReadBothWays(Encoding.UTF8.GetBytes(text));

        Assert.Equal(chars, fast.Dump);
        Assert.Equal(4, fast.ByteLines);
        Assert.Contains("duplicate step 4", chars);
    }

    [Fact]
    public void A_step_going_back_to_a_written_value_reads_the_same_both_ways()
    {
        // Line 4 repeats step 2 with another value: held until the next line decides (nothing said on line 4
        // itself, so the dropped-line check runs on it), then line 5 goes on after step 3: a copy, not a resume.
        var text =
            "Iter 1: Train loss 3.0\n" +
            "Iter 2: Train loss 2.5\n" +
            "Iter 3: Train loss 2.0\n" +
            "Iter 2: Train loss 9.9\n" +
            "Iter 4: Train loss 1.5\n" +
            "Iter 3: Train loss 7.0\n" +
            "Iter 3: Train loss 6.0\n" +
            "Iter 1: Train loss 3.1\n" +
            "Iter 2: Train loss 2.6\n";

        var (chars, fast) = ReadBothWays(Encoding.UTF8.GetBytes(text), chunkSize: 2);

        Assert.Equal(chars, fast.Dump);
        Assert.Equal(9, fast.ByteLines);
        Assert.Contains("run 2", chars);
    }

    [Theory]
    [InlineData("1.000e-05")]
    [InlineData("0.1")]
    [InlineData("-0")]
    [InlineData("+2.5")]
    [InlineData(".5")]
    [InlineData("12345678901234567890")]
    [InlineData("0.30000000000000004")]
    [InlineData("9007199254740993")]
    [InlineData("1e-30")]
    [InlineData("1e400")]
    [InlineData("4.9e-325")]
    [InlineData("2.2250738585072011e-308")]
    [InlineData("1.7976931348623157e308")]
    [InlineData("123456789012345.6")]
    [InlineData("0.000000000000000000000000000001")]
    public void Numbers_read_from_bytes_are_the_doubles_the_text_parser_gives(string text)
    {
        Assert.True(Numbers.TryParse(text, out var expected));

        Assert.True(Core.Ingest.Fast.Utf8Decimal.TryRead(Encoding.ASCII.GetBytes(text), out var value, out var length));

        Assert.Equal(text.Length, length);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
    }

    [Fact]
    public void Random_decimals_read_from_bytes_are_the_doubles_the_text_parser_gives()
    {
        var rng = new Random(17);
        for (var i = 0; i < 200_000; i++)
        {
            var text = RandomDecimal(rng);
            // What follows a number on a line (a unit, the next field) must end it wherever it falls in the bytes.
            var after = rng.Next(5) switch { 0 => "", 1 => "s", 2 => " GB", 3 => ", Learning Rate 1.0", _ => "GB" };
            Assert.True(Numbers.TryParse(text, out var expected), text);
            Assert.True(Core.Ingest.Fast.Utf8Decimal.TryRead(Encoding.ASCII.GetBytes(text + after), out var value, out var length), text);
            Assert.Equal(text.Length, length);
            Assert.True(BitConverter.DoubleToInt64Bits(expected) == BitConverter.DoubleToInt64Bits(value), $"{text}: {expected:R} vs {value:R}");
        }
    }

    private static string RandomDecimal(Random rng)
    {
        var sb = new StringBuilder();
        if (rng.Next(4) == 0) sb.Append(rng.Next(2) == 0 ? '-' : '+');
        var intDigits = rng.Next(0, 20);
        for (var k = 0; k < intDigits; k++) sb.Append((char)('0' + rng.Next(10)));
        if (intDigits == 0 || rng.Next(2) == 0)
        {
            sb.Append('.');
            var fraction = rng.Next(1, 20);
            for (var k = 0; k < fraction; k++) sb.Append((char)('0' + rng.Next(10)));
        }
        if (rng.Next(3) == 0) sb.Append(rng.Next(2) == 0 ? 'e' : 'E').Append(rng.Next(3) switch { 0 => "-", 1 => "+", _ => "" }).Append(rng.Next(0, 330));
        return sb.ToString();
    }

    /// <summary>An MLX-LM log with everything a captured console can hold, around plain train and validation lines.</summary>
    internal static byte[] MixedLog(int seed, int lines)
    {
        var rng = new Random(seed);
        var sb = new StringBuilder();
        if (rng.Next(2) == 0) sb.Append('\uFEFF');
        sb.Append("Loading pretrained model\nTrainable parameters: 0.041% (1.311M/3212.750M)\nStarting training..., iters: 1000\n");
        long step = 0;
        var tokens = 0L;
        for (var i = 0; i < lines; i++)
        {
            var pick = rng.Next(100);
            step = pick switch
            {
                < 3 => Math.Max(1, step - rng.Next(1, 20)), // a resume, or a copy of an earlier record
                < 4 => rng.Next(0, 3), // back to the start: another run
                < 7 => step, // the same step again
                _ => step + rng.Next(1, 3),
            };
            tokens += 300;
            var value = Value(rng);
            var train = string.Create(CultureInfo.InvariantCulture,
                $"Iter {step}: Train loss {value}, Learning Rate {1e-5 * rng.NextDouble():E3}, It/sec {rng.NextDouble():F3}, Tokens/sec {150 + rng.NextDouble() * 10:F3}, Trained Tokens {tokens}, Peak mem {8 + rng.NextDouble():F3} GB");
            var line = rng.Next(40) switch
            {
                0 => string.Create(CultureInfo.InvariantCulture, $"Iter {step}: Val loss {Value(rng)}, Val took {20 + rng.NextDouble() * 10:F3}s"),
                1 => $"Iter {step}: Saved adapter weights to adapters/adapters.safetensors and adapters/{step:D7}_adapters.safetensors.",
                2 => $"\u001b[1;32m{train}\u001b[0m",
                3 => $"[rank{rng.Next(2)}]: {train}",
                4 => $" 45%|####      | {step}/1000 [05:36<06:52,  4.01s/it]\r{train}",
                5 => train.Replace("Train loss", "Tráin loss"),
                6 => train.Replace("â", "") + " ✅",
                7 => "Iter two: Train loss 1.7",
                8 => "some junk line with loss 2.0 at step 5",
                9 => train + "  ",
                10 => train.Replace(", ", ",", StringComparison.Ordinal),
                11 => train + ", Extra " + new string('9', rng.Next(1, 40)) + "." + new string('1', 80),
                12 => "Iter " + step + ": Train loss " + new string('1', 70_000 + rng.Next(1000)),
                13 => string.Create(CultureInfo.InvariantCulture, $"Iter {step}: Train loss {Value(rng)}, Grad norm {Value(rng)}"),
                14 => $"Iter {step}: Train loss 1.0, Peak mem 7.9GB, Val took 3s, Odd 5MB, Wait 2.5 s",
                15 => "Saved final weights to adapters/adapters.safetensors.",
                16 => $"Iter {step}: Train loss 1.0%|x| 3/4 [00:01]",
                17 => $"Iter {step}: Train loss 1.e5, Learning Rate 5., It/sec 1es",
                18 => $"Iter {step}:Train loss 1.0",
                19 => $"Iter {step}: Train loss\t1.0",
                20 => $"Iter {step}: ",
                21 => $"Iter {step}: Train loss 1.0,, Other 2.0",
                _ => train,
            };
            sb.Append(line);
            sb.Append(rng.Next(10) == 0 ? "\r\n" : "\n");
        }
        sb.Append(string.Create(CultureInfo.InvariantCulture, $"Iter {step + 1}: Train loss {Value(rng)}, Learning Rate 1.000e-05"));
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static string Value(Random rng) => rng.Next(30) switch
    {
        0 => "nan",
        1 => "inf",
        2 => "-inf",
        3 => "1e400",
        4 => "-0.000",
        5 => "12345678901234567.5",
        6 => (rng.NextDouble() * 1e-30).ToString("R", CultureInfo.InvariantCulture),
        7 => rng.NextDouble().ToString("R", CultureInfo.InvariantCulture),
        _ => (rng.NextDouble() * 3).ToString("F3", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The import through the character path alone, and the one that reads from bytes where it can: on one thread
    /// (checked here to equal the first) and on two (returned, so each test asserts on it).
    /// </summary>
    internal static (string Chars, (string Dump, long ByteLines) Fast) ReadBothWays(byte[] bytes, int chunkSize = SeriesChunk.DefaultSize, IngestLimits? limits = null)
    {
        var chars = Read(bytes, chunkSize, Way.Characters, limits);
        Assert.Equal(0, chars.ByteLines);
        var oneThread = Read(bytes, chunkSize, Way.BytesOnOneThread, limits);
        Assert.Equal(chars.Dump, oneThread.Dump);
        var twoThreads = Read(bytes, chunkSize, Way.BytesOnTwoThreads, limits);
        Assert.Equal(oneThread.ByteLines, twoThreads.ByteLines);
        // The applying thread reading every plain line itself, and a file read ahead on a third thread: the same import.
        var applyingReads = Read(bytes, chunkSize, Way.BytesOnTwoThreadsApplyingThreadReads, limits);
        Assert.Equal(twoThreads.Dump, applyingReads.Dump);
        Assert.Equal(twoThreads.ByteLines, applyingReads.ByteLines);
        var fromFile = Read(bytes, chunkSize, Way.BytesOnTwoThreadsFromAFile, limits);
        Assert.Equal(twoThreads.Dump, fromFile.Dump);
        Assert.Equal(twoThreads.ByteLines, fromFile.ByteLines);
        return (chars.Dump, twoThreads);
    }

    public enum Way { Characters, BytesOnOneThread, BytesOnTwoThreads, BytesOnTwoThreadsApplyingThreadReads, BytesOnTwoThreadsFromAFile }

    internal static ImportContext Context(IChunkSink sink, int chunkSize, Way way, IngestLimits? limits = null) => new("mlx.log", sink, chunkSize)
    {
        FormatName = "mlx-lm",
        Limits = limits ?? new IngestLimits(),
        CharLinesOnly = way == Way.Characters,
        PipelineFromBytes = way is Way.Characters or Way.BytesOnOneThread ? long.MaxValue : 0,
        PipelineSplit = way switch
        {
            Way.BytesOnTwoThreads => Core.Ingest.Fast.PipelineSplit.ReadingThreadReads,
            Way.BytesOnTwoThreadsApplyingThreadReads => Core.Ingest.Fast.PipelineSplit.ApplyingThreadReads,
            _ => Core.Ingest.Fast.PipelineSplit.Balanced,
        },
    };

    /// <summary>Everything an import of the bytes gives, as text: sink calls in order, runs, problems, notes, counts.</summary>
    private static (string Dump, long ByteLines) Read(byte[] bytes, int chunkSize, Way way, IngestLimits? limits)
    {
        var sink = new RecordingSink();
        var context = Context(sink, chunkSize, way, limits);
        if (way == Way.BytesOnTwoThreadsFromAFile)
        {
            // A file on disk is read ahead in blocks: lines cross their ends, and some are longer than the room kept
            // before each block for the unfinished line.
            var path = Path.Combine(Path.GetTempPath(), $"rd-mlx-{Guid.NewGuid():N}.log");
            File.WriteAllBytes(path, bytes);
            try
            {
                using var file = File.OpenRead(path);
                new MlxLmFormat().Parse(file, context, CancellationToken.None);
            }
            finally
            {
                File.Delete(path);
            }
        }
        else
        {
            new MlxLmFormat().Parse(new MemoryStream(bytes), context, CancellationToken.None);
        }
        context.Flush();
        var runIndex = context.Runs.Select((r, i) => (r.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var dump = new StringBuilder();
        foreach (var (run, text) in sink.Calls) dump.Append("run ").Append(runIndex[run] + 1).Append(": ").AppendLine(text);
        foreach (var run in context.Runs)
        {
            dump.AppendLine($"run {runIndex[run.Id] + 1} key '{run.Key}' ordinal {run.Ordinal} first {run.FirstStep} name {run.Name}");
            foreach (var (k, v) in run.Hyperparameters) dump.AppendLine($"  hp {k} = {v}");
            foreach (var (k, v) in run.Summary) dump.AppendLine($"  summary {k} = {Bits(v)}");
            foreach (var e in run.Events) dump.AppendLine($"  event {e}");
            foreach (var s in run.Series)
            {
                var i = s.ToInfo();
                dump.AppendLine($"  series {i.Key} '{i.Alias}' n {i.Count} {i.FirstStep}..{i.LastStep} last {Bits(i.LastValue)} min {Bits(i.Min)} max {Bits(i.Max)} nonfinite {i.NonFinite}");
            }
        }
        foreach (var p in context.Problems) dump.AppendLine($"problem line {p.Line}: {p.Message}");
        foreach (var n in context.Notes) dump.AppendLine($"note {n}");
        foreach (var r in context.Readings) dump.AppendLine($"reading {r.Template} | {r.Sample} | {r.Lines} | {r.Step} | {string.Join(",", r.Keys)}");
        dump.AppendLine($"problems {context.ProblemCount} lines {context.LinesRead} repaired {context.LinesRepaired} point lines {context.PointLines} problem lines {context.ProblemLines}");
        return (dump.ToString(), context.ByteLines);
    }

    private static string Bits(double v) => v.ToString("R", CultureInfo.InvariantCulture) + "/" + BitConverter.DoubleToInt64Bits(v).ToString("X16", CultureInfo.InvariantCulture);

    private sealed class RecordingSink : IChunkSink
    {
        public List<(string Run, string Text)> Calls { get; } = [];

        public void Write(RunDraft run, SeriesChunk chunk)
        {
            var points = string.Join(" ", Enumerable.Range(0, chunk.Count).Select(i => $"{chunk.Steps[i]}:{Bits(chunk.Values[i])}"));
            var times = chunk.Times is null ? "" : " times " + string.Join(" ", chunk.Times.Take(chunk.Count).Select(Bits));
            Calls.Add((run.Id, $"write {chunk.Key} #{chunk.Sequence} [{points}]{times}"));
        }

        public void Discard(RunDraft run, string key, int fromSequence) => Calls.Add((run.Id, $"discard {key} from #{fromSequence}"));
    }
}
