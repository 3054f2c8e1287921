using System.Diagnostics;
using RunDashboard.Core.Analysis;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

namespace RunDashboard.Benchmarks;

/// <summary>
/// Storage figures for the README (issue 17): chunk codec speed and size, bucketed reads through the pyramid,
/// import throughput against <c>wc -l</c>. Wall and CPU time (Process.TotalProcessorTime) are both printed: the
/// machine is shared, so wall time alone says little. <c>--quick</c> keeps it under about two minutes.
/// </summary>
public static class StorageBenchmark
{
    public static async Task RunAsync(string dir, string[] args, bool quick, Func<string, int, Action<string, long>, string> generate)
    {
        Console.WriteLine($"RunDashboard storage benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}{(quick ? " · quick" : "")}");
        if (!args.Contains("--import-only"))
        {
            Codec(generate("mlx_lm_codec.log", quick ? 20 : 100, LogGenerator.MlxLm));
            foreach (var points in quick ? new long[] { 1_000_000, 10_000_000 } : [1_000_000, 100_000_000]) Pyramid(dir, points);
        }
        if (Array.IndexOf(args, "--postgres") is var pg and >= 0)
        {
            if (pg + 1 >= args.Length) throw new ArgumentException("--postgres needs a connection string: --postgres \"Host=…;Username=…;Database=…\"");
            await PostgresComparison.RunAsync(dir, generate("mlx_lm_compare.log", quick ? 50 : 200, LogGenerator.MlxLm), args[pg + 1], quick ? 500 : 2000);
            return;
        }
        await Import(dir, generate("mlx_lm_import_q.log", quick ? 100 : 1024, LogGenerator.MlxLm));
    }

    /// <summary>Wall and CPU seconds of an action, best of <paramref name="times"/> by wall time.</summary>
    private static (double Wall, double Cpu) Time(int times, Action action)
    {
        var best = (Wall: double.MaxValue, Cpu: 0.0);
        for (var i = 0; i < times; i++)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            action();
            var wall = sw.Elapsed.TotalSeconds;
            var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            if (wall < best.Wall) best = (wall, used);
        }
        return best;
    }

    private static void Codec(string log)
    {
        var sink = new ChunkCollector();
        Ingestor.CreateDefault().Ingest(log, () => File.OpenRead(log), sink);
        var chunks = sink.Chunks;
        var points = chunks.Sum(c => (long)c.Count);
        // Raw size: a step (8 bytes) and a value (8 bytes) a point; times are not in MLX-LM logs.
        var rawMb = points * 16 / 1048576.0;
        long oldBytes = 0, newBytes = 0;
        foreach (var c in chunks)
        {
            var (s, v, _) = SeriesChunkCodec.Encode(c);
            oldBytes += s.Length + v.Length;
        }
        var encoded = new List<(byte[] Steps, byte[] Values, int Count)>(chunks.Count);
        var encode = Time(3, () =>
        {
            encoded.Clear();
            foreach (var c in chunks) encoded.Add((SeriesCodec.EncodeSteps(c.Steps.AsSpan(0, c.Count)), SeriesCodec.EncodeDoubles(c.Values.AsSpan(0, c.Count)), c.Count));
        });
        newBytes = encoded.Sum(e => (long)e.Steps.Length + e.Values.Length);
        var decode = Time(3, () =>
        {
            foreach (var (s, v, n) in encoded)
            {
                GC.KeepAlive(SeriesCodec.DecodeSteps(s, n));
                GC.KeepAlive(SeriesCodec.DecodeDoubles(v, n));
            }
        });
        Console.WriteLine();
        Console.WriteLine($"Chunk codec on {points / 1e6:F1} M points of an MLX-LM log ({chunks.Count} chunks, {chunks.Select(c => c.Key).Distinct().Count()} series):");
        Console.WriteLine($"  bytes a point (step + value): first format {oldBytes / (double)points:F2}, codec 2 {newBytes / (double)points:F2}");
        foreach (var key in chunks.Select(c => c.Key).Distinct())
        {
            var mine = chunks.Select((c, i) => (c, i)).Where(x => x.c.Key == key).ToList();
            var bytes = mine.Sum(x => (long)encoded[x.i].Steps.Length + encoded[x.i].Values.Length);
            Console.WriteLine($"    {key}: {bytes / (double)mine.Sum(x => x.c.Count):F2} B/pt");
        }
        Console.WriteLine($"  encode {rawMb / encode.Wall:F0} MB/s raw ({points / encode.Wall / 1e6:F1} M points/s; wall {encode.Wall * 1000:F0} ms, CPU {encode.Cpu * 1000:F0} ms)");
        Console.WriteLine($"  decode {rawMb / decode.Wall:F0} MB/s raw ({points / decode.Wall / 1e6:F1} M points/s; wall {decode.Wall * 1000:F0} ms, CPU {decode.Cpu * 1000:F0} ms)");
    }

    private static void Pyramid(string dir, long total)
    {
        var db = Path.Combine(dir, $"pyramid-{total}.db");
        if (!File.Exists(db))
        {
            var build = Stopwatch.StartNew();
            using (var writeStore = new RunStore(db)) SyntheticSeries.Write(writeStore, total);
            Console.WriteLine($"  (wrote {total / 1e6:F0} M points in {build.Elapsed.TotalSeconds:F0} s, {new FileInfo(db).Length / 1048576.0:F0} MB)");
        }
        using var store = new RunStore(db);
        var run = store.ListRuns().Single();
        var key = MetricKeys.TrainLoss;
        var first = Time(1, () => store.GetBuckets(run, key, 1200));
        var whole = Time(5, () => store.GetBuckets(run, key, 1200));
        var rng2 = new Random(2);
        var ranges = Time(5, () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var from = rng2.NextInt64(1, total);
                var to = rng2.NextInt64(from, total + 1);
                store.GetBuckets(run, key, 1200, from, to);
            }
        });
        Console.WriteLine();
        Console.WriteLine($"Bucketed read of {total / 1e6:F0} M points at 1,200 buckets (LiteDB file, {new FileInfo(db).Length / 1048576.0:F0} MB):");
        Console.WriteLine($"  first read (loads the pyramid saved at commit, or builds it for a database written before): wall {first.Wall * 1000:F0} ms, CPU {first.Cpu * 1000:F0} ms");
        Console.WriteLine($"  whole series: wall {whole.Wall * 1000:F1} ms, CPU {whole.Cpu * 1000:F1} ms (best of 5)");
        Console.WriteLine($"  random step range: wall {ranges.Wall * 1000 / 20:F1} ms, CPU {ranges.Cpu * 1000 / 20:F1} ms a read (20 ranges, best of 5)");
        if (total <= 1_000_000)
        {
            var old = Time(3, () => Downsampler.Reduce(store.GetSeries(run.Id, key)!, 1200));
            Console.WriteLine($"  before (GetSeries + Downsampler, whole series): wall {old.Wall * 1000:F1} ms, CPU {old.Cpu * 1000:F1} ms");
        }
    }

    private static async Task Import(string dir, string log)
    {
        var mb = new FileInfo(log).Length / 1048576.0;
        var wc = Time(2, () =>
        {
            using var p = Process.Start(new ProcessStartInfo("wc", ["-l", log]) { RedirectStandardOutput = true })!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        });
        var parse = Time(1, () => Ingestor.CreateDefault().Ingest(log, () => File.OpenRead(log), new ChunkCounter()));
        var encode = Time(1, () => Ingestor.CreateDefault().Ingest(log, () => File.OpenRead(log), new ChunkEncoder()));
        var rawDb = Path.Combine(dir, "raw-only.db");
        File.Delete(rawDb);
        var raw = Time(1, () =>
        {
            using var store = new RunStore(rawDb);
            using var stream = File.OpenRead(log);
            store.Uploads.StoreBytes("raw", log, stream);
        });
        var result = await ImportChild.RunAsync(log);
        var seconds = result.Seconds;
        Console.WriteLine();
        Console.WriteLine($"Import of a {mb:F0} MB MLX-LM log:");
        Console.WriteLine($"  wc -l: {mb / wc.Wall:F0} MB/s (wall {wc.Wall:F2} s; wc is a child process, its CPU is not counted here)");
        Console.WriteLine($"  parse alone (no storage): {mb / parse.Wall:F0} MB/s (wall {parse.Wall:F1} s, CPU {parse.Cpu:F1} s)");
        Console.WriteLine($"  parse + encode chunks (no LiteDB): {mb / encode.Wall:F0} MB/s (wall {encode.Wall:F1} s, CPU {encode.Cpu:F1} s)");
        Console.WriteLine($"  raw upload copy alone (deflate into LiteDB file storage): {mb / raw.Wall:F0} MB/s (wall {raw.Wall:F1} s, CPU {raw.Cpu:F1} s)");
        Console.WriteLine($"  import into LiteDB, the received file handed over as the upload endpoint does: {mb / seconds:F0} MB/s (wall {seconds:F1} s, CPU {result.CpuSeconds} s; " +
            $"parse {result.ParseSeconds} s, commit {result.CommitSeconds} s), {result.Points / 1e6:F1} M points, " +
            $"peak working set {result.PeakWorkingSet / 1048576.0:F0} MB, database {result.DatabaseBytes / 1048576.0:F0} MB (raw upload included: compressed into the file in {result.ArchiveSeconds} s after the commit)");
    }

    private sealed class ChunkCollector : IChunkSink
    {
        public List<SeriesChunk> Chunks { get; } = [];
        public void Write(RunDraft run, SeriesChunk chunk) => Chunks.Add(new SeriesChunk(chunk.Key, chunk.Sequence, chunk.Steps[..chunk.Count], chunk.Values[..chunk.Count], chunk.Times?[..chunk.Count], chunk.Count));
        public void Discard(RunDraft run, string key, int fromSequence) { }
    }

    private sealed class ChunkEncoder : IChunkSink
    {
        public void Write(RunDraft run, SeriesChunk chunk)
        {
            GC.KeepAlive(SeriesCodec.EncodeSteps(chunk.Steps.AsSpan(0, chunk.Count)));
            GC.KeepAlive(SeriesCodec.EncodeDoubles(chunk.Values.AsSpan(0, chunk.Count)));
        }

        public void Discard(RunDraft run, string key, int fromSequence) { }
    }

    private sealed class ChunkCounter : IChunkSink
    {
        public void Write(RunDraft run, SeriesChunk chunk) { }
        public void Discard(RunDraft run, string key, int fromSequence) { }
    }
}
