using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;

namespace RunDashboard.Benchmarks.Parts;

/// <summary>
/// One whole ingest (detection, parsing, chunking) of a 4 MiB log held in memory, per format. MB/s is 4 MiB over
/// the mean time. <c>mlx-lm-chars</c> is the MLX-LM reader with every line decoded and cleaned as characters (no
/// byte path, no second thread): what reading plain lines from their bytes saves.
/// </summary>
public class ParseBenchmarks
{
    public const long Bytes = 4L << 20;

    private byte[] _log = [];
    private string _fileName = "";

    [Params("mlx-lm", "mlx-lm-chars", "hf-trainer", "generic", "metrics-csv")]
    public string Format { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (string FileName, Action<string, long> Write, string Expected) input = Format switch
        {
            "mlx-lm" or "mlx-lm-chars" => ("mlx_lm.log", LogGenerator.MlxLm, "mlx-lm"),
            "hf-trainer" => ("trainer.log", LogGenerator.HfDicts, "hf-trainer"),
            "generic" => ("train.log", LogGenerator.GenericSteps, "any-text"),
            "metrics-csv" => ("metrics.csv", MetricsCsv, "metrics-csv"),
            _ => throw new ArgumentException($"no generator for '{Format}'"),
        };
        var (write, expected) = (input.Write, input.Expected);
        _fileName = input.FileName;
        var path = Path.Combine(Path.GetTempPath(), $"rundashboard-parse-{Environment.ProcessId}-{_fileName}");
        try
        {
            write(path, Bytes);
            _log = File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
        // The figure means nothing if another reader (or none) took the file: say which one did.
        var import = Ingestor.CreateDefault().Ingest(_fileName, Open, new NullSink());
        if (!import.Succeeded) throw new InvalidOperationException($"{_fileName} did not import: {import.Error}");
        if (!string.Equals(import.Format, expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{_fileName} was read as '{import.Format}', not '{expected}'");
        }
    }

    [Benchmark]
    public long Parse()
    {
        if (Format == "mlx-lm-chars")
        {
            var context = new ImportContext(_fileName, new NullSink()) { FormatName = "mlx-lm", CharLinesOnly = true };
            new RunDashboard.Core.Ingest.Formats.MlxLmFormat().Parse(Open(), context, CancellationToken.None);
            context.Flush();
            return context.Runs.Sum(r => r.Series.Sum(s => s.Count));
        }
        var import = Ingestor.CreateDefault().Ingest(_fileName, Open, new NullSink());
        return import.Runs.Sum(r => r.Series.Sum(s => s.Count));
    }

    private MemoryStream Open() => new(_log, writable: false);

    /// <summary>A Lightning-style metrics.csv: a step column, train loss every row, eval loss every 50th.</summary>
    public static void MetricsCsv(string path, long bytes)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
        var rng = new Random(5);
        w.Write("step,epoch,train/loss,learning_rate,grad_norm,eval/loss\n");
        for (long step = 1; w.BaseStream.Length < bytes; step++)
        {
            var loss = 3.0 / Math.Log(step + 2) + rng.NextDouble() * 0.05;
            var eval = step % 50 == 0 ? (loss * 1.07).ToString("F5", CultureInfo.InvariantCulture) : "";
            w.Write(string.Create(CultureInfo.InvariantCulture, $"{step},{step / 5000},{loss:F5},{2e-4 * (1 - step / 1e7):E3},{rng.NextDouble() * 3:F4},{eval}\n"));
        }
    }

    private sealed class NullSink : IChunkSink
    {
        public void Write(RunDraft run, SeriesChunk chunk) { }
        public void Discard(RunDraft run, string key, int fromSequence) { }
    }
}
