using System.Diagnostics;
using RunDashboard.Benchmarks;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;
using RunDashboard.Core.Services;
using RunDashboard.Core.Storage;

// Ingestion figures for the README: plain line reading vs parsing, and the memory of a 1 GB import.
//   dotnet run -c Release --project RunDashboard.Benchmarks [-- --size-mb 200 --import-mb 1024] [--parse-only: the MLX-LM rows alone]
// Other modes (README "Performance"): --parts [filter], --e2e [--quick] [--e2e-mb N] [--put] [--dotnet-client] [--no-warm-up], --storage [--quick], --web,
// --runs [N], --form-upload, --corpus [folder].
var sizeMb = Arg("--size-mb", 200);
var importMb = Arg("--import-mb", 1024);
var dir = Path.Combine(Path.GetTempPath(), "rundashboard-bench");
Directory.CreateDirectory(dir);

if (args.Contains("--parts"))
{
    // BenchmarkDotNet micro-benchmarks of the parts; an optional glob picks some, e.g. --parts "*Codec*".
    RunDashboard.Benchmarks.Parts.PartsRunner.Run(dir, ArgText("--parts", "*"));
    return;
}

if (args.Contains("--e2e"))
{
    // Generate → upload over HTTP → first chart in headless Chromium; --quick (30 MB) stays well under two minutes.
    var mb = Arg("--e2e-mb", args.Contains("--quick") ? 30 : 512);
    try
    {
        var total = Stopwatch.StartNew();
        await EndToEndBenchmark.RunAsync(dir, Generate($"mlx_lm_e2e_{mb}mb.log", mb, LogGenerator.MlxLm), put: args.Contains("--put"), dotnetClient: args.Contains("--dotnet-client"), warmUp: !args.Contains("--no-warm-up"));
        Console.WriteLine($"  end to end in {total.Elapsed.TotalSeconds:F0} s (from the start of this mode; generating the log when it was not there yet)");
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"end-to-end benchmark failed: {ex.GetType().Name}: {ex.Message}");
        Environment.ExitCode = 1;
    }
    return;
}

if (args.Contains("--scale"))
{
    // 100 M points in one LiteDB file (--points N; --quick stores 10 M in about a minute): size, import, first chart.
    try
    {
        await ScaleBenchmark.RunAsync(dir, Arg("--points", args.Contains("--quick") ? 10_000_000 : 100_000_000), Generate);
    }
    catch (Exception ex)
    {
        Console.Error.WriteLine($"scale benchmark failed: {ex.GetType().Name}: {ex.Message}");
        Environment.ExitCode = 1;
    }
    return;
}

if (args.Contains("--web"))
{
    await WebBenchmark.RunAsync(dir);
    return;
}

if (args.Contains("--analysis"))
{
    AnalysisBenchmark.Run(dir, Arg("--points", args.Contains("--quick") ? 800_000 : 3_000_000));
    return;
}

if (args.Contains("--runs"))
{
    // The runs list with many runs stored: list query, prerendered "/" and GET /api/runs.
    await RunsBenchmark.RunAsync(dir, Arg("--runs", 10_000));
    return;
}

if (args.Contains("--form-upload"))
{
    // The /upload page against a script's multipart POST, same file, same server.
    var log = Generate($"mlx_lm_{Arg("--form-mb", 100)}mb.log", Arg("--form-mb", 100), LogGenerator.MlxLm);
    await FormUploadBenchmark.RunAsync(dir, log, Arg("--rounds", 2));
    return;
}

if (args.Contains("--storage"))
{
    // Issue 17: codec, pyramid reads and import throughput; --quick stays under about two minutes.
    await StorageBenchmark.RunAsync(dir, args, args.Contains("--quick"), Generate);
    return;
}

if (args.Contains("--corpus"))
{
    // The real logs of the test corpus: how long each takes to import and what comes out.
    var root = ArgText("--corpus", "RunDashboard.Tests/Fixtures/real");
    Console.WriteLine("| file | format | runs | series | points | ms |");
    Console.WriteLine("|---|---|---|---|---|---|");
    double total = 0;
    foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                 .Where(f => !f.EndsWith(".md") && !f.EndsWith(".json") || f.Contains("trainer_state") || f.Contains("metrics.json"))
                 .Where(f => !f.Contains("/tools/") && !f.EndsWith("expected.json")).Order())
    {
        var sw = Stopwatch.StartNew();
        var import = Ingestor.CreateDefault().Ingest(file, () => File.OpenRead(file), new CountingSink());
        var ms = Best(3, () => Ingestor.CreateDefault().Ingest(file, () => File.OpenRead(file), new CountingSink())) * 1000;
        total += ms;
        Console.WriteLine($"| {Path.GetRelativePath(root, file)} | {import.Format ?? "-"} | {import.Runs.Count} | {import.Runs.Sum(r => r.Series.Count)} | {import.Runs.Sum(r => r.Series.Sum(s => s.Count))} | {ms:F1} |");
    }
    Console.WriteLine($"corpus imported in {total:F0} ms");
    return;
}

if (args.Contains("--import-child"))
{
    // Runs in its own process so its peak working set is the import's alone.
    var log = args[Array.IndexOf(args, "--import-child") + 1];
    var db = Path.Combine(dir, "import.db");
    File.Delete(db);
    File.Delete(Path.Combine(dir, "import-log.db"));
    using var store = new RunStore(db);
    var imports = new ImportService(store, Ingestor.CreateDefault(), TimeProvider.System);
    // As the upload endpoint hands a file over: received into a file of its own, hashed on the way in (both outside
    // the time measured here; the end-to-end benchmark times them over HTTP).
    var received = Path.Combine(dir, "import-child.upload");
    File.Copy(log, received, overwrite: true);
    string sha;
    using (var s = File.OpenRead(received)) sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s));
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var sw = Stopwatch.StartNew();
    var report = await imports.ImportAsync([new UploadFile(Path.GetFileName(log), () => File.OpenRead(received), sha, received)], new UploadOptions());
    sw.Stop();
    var importCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    var archive = Stopwatch.StartNew();
    store.Uploads.WaitForArchive();
    var run = report.Runs.Single();
    var t = report.Timings;
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{sw.Elapsed.TotalSeconds:F1} {Process.GetCurrentProcess().PeakWorkingSet64} {run.Metrics.Sum(m => m.Count)} {new FileInfo(db).Length} {importCpu.TotalSeconds:F1} {t.ParseSeconds:F2} {t.CommitSeconds:F2} {archive.Elapsed.TotalSeconds:F1}"));
    return;
}

Console.WriteLine($"RunDashboard ingestion benchmark · {Environment.ProcessorCount} cores · .NET {Environment.Version}");
var mlx = Generate("mlx_lm_200mb.log", sizeMb, LogGenerator.MlxLm);
var hf = Generate("hf_dicts_200mb.log", sizeMb, LogGenerator.HfDicts);
Console.WriteLine();
// CPU seconds are printed beside the wall-clock figures: on a shared machine they move less, and a parse that uses
// two cores shows it there (the MLX-LM reader reads large files on two threads).
Console.WriteLine("| log | size | line reading | parse | parse / reading | points/s | reading CPU s | parse CPU s |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var generic = Generate("generic_200mb.log", sizeMb, LogGenerator.GenericSteps);
var parseOnly = args.Contains("--parse-only");
foreach (var (name, path) in new[] { ("MLX-LM", mlx), ("HF Trainer dicts", hf), ("any trainer (generic reader)", generic) })
{
    if (parseOnly && path != mlx) continue;
    var mb = new FileInfo(path).Length / 1048576.0;
    // The MLX-LM figures are the ones the parse target is about, and each round takes a fraction of a second: best
    // of five, so one round slowed by other work on the machine does not decide them.
    var rounds = path == mlx ? 5 : 3;
    var (read, readCpu) = BestWithCpu(rounds, () => ReadLines(path));
    if (args.Contains("--profile")) Console.WriteLine($"  cleaned-line reader alone: {mb / Best(3, () => CleanLines(path)):F0} MB/s");
    long points = 0;
    // Two rounds first, not counted: the runtime is still optimising the methods around the parse loops (those
    // compiled optimised from the start are only the loops themselves), which took 10–15 % off the first rounds.
    BestWithCpu(2, () => points = Parse(path));
    var (parse, cpu) = BestWithCpu(rounds, () => points = Parse(path));
    Console.WriteLine($"| {name} | {mb:F0} MB | {mb / read:F0} MB/s | {mb / parse:F0} MB/s | {read / parse:F2} | {points / parse / 1e6:F1} M | {readCpu:F2} | {cpu:F2} |");
    if (path == mlx)
    {
        // The same file read from bytes on one thread and on two (the default above 4 MB: a second thread splits
        // the lines and reads the numbers ahead), and with every line decoded and cleaned as characters (what the
        // byte path saves). Two threads win while the second core is free and lose when other work holds it.
        var (oneThread, oneThreadCpu) = BestWithCpu(rounds, () => points = ParseMlx(path, new ImportContext(path, new CountingSink()) { PipelineFromBytes = long.MaxValue }));
        Console.WriteLine($"| MLX-LM, bytes on one thread | {mb:F0} MB | | {mb / oneThread:F0} MB/s | {read / oneThread:F2} | {points / oneThread / 1e6:F1} M | | {oneThreadCpu:F2} |");
        var (twoThreads, twoThreadsCpu) = BestWithCpu(rounds, () => points = ParseMlx(path, new ImportContext(path, new CountingSink()) { PipelineFromBytes = 0 }));
        Console.WriteLine($"| MLX-LM, bytes on two threads | {mb:F0} MB | | {mb / twoThreads:F0} MB/s | {read / twoThreads:F2} | {points / twoThreads / 1e6:F1} M | | {twoThreadsCpu:F2} |");
        var (chars, charsCpu) = BestWithCpu(rounds, () => points = ParseMlx(path, new ImportContext(path, new CountingSink()) { CharLinesOnly = true }));
        Console.WriteLine($"| MLX-LM, character path only | {mb:F0} MB | | {mb / chars:F0} MB/s | {read / chars:F2} | {points / chars / 1e6:F1} M | | {charsCpu:F2} |");
    }
}
if (!parseOnly)
{
    // The generic reader on the MLX-LM log itself, against the dedicated MLX-LM parser on the same bytes.
    var mb = new FileInfo(mlx).Length / 1048576.0;
    long dedicatedPoints = 0, genericPoints = 0;
    var dedicated = Best(3, () => dedicatedPoints = Parse(mlx));
    var any = Best(3, () => genericPoints = ParseGeneric(mlx));
    Console.WriteLine($"| generic reader on the MLX-LM log | {mb:F0} MB | | {mb / any:F0} MB/s | generic / MLX parser {dedicated / any:F2} | {genericPoints / any / 1e6:F1} M ({genericPoints:N0} points vs {dedicatedPoints:N0}) |");
}
if (parseOnly) return;

var big = Generate("mlx_lm_import.log", importMb, LogGenerator.MlxLm);
var result = await ImportChild.RunAsync(big);
var seconds = result.Seconds;
Console.WriteLine();
Console.WriteLine($"Import of a {new FileInfo(big).Length / 1048576.0:F0} MB MLX-LM log into LiteDB: {seconds:F1} s " +
    $"({new FileInfo(big).Length / 1048576.0 / seconds:F0} MB/s), {result.Points / 1e6:F1} M points, " +
    $"peak working set {result.PeakWorkingSet / 1048576.0:F0} MB, database {result.DatabaseBytes / 1048576.0:F0} MB (raw upload included)");

int Arg(string name, int fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
string ArgText(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[i + 1] : fallback;

string Generate(string name, int mb, Action<string, long> write)
{
    var path = Path.Combine(dir, name);
    if (!File.Exists(path) || new FileInfo(path).Length < mb * 1048576L)
    {
        Console.Write($"generating {name} ({mb} MB)… ");
        write(path, mb * 1048576L);
        Console.WriteLine("done");
    }
    return path;
}

static double Best(int times, Action action)
{
    var best = double.MaxValue;
    for (var i = 0; i < times; i++)
    {
        var sw = Stopwatch.StartNew();
        action();
        best = Math.Min(best, sw.Elapsed.TotalSeconds);
    }
    return best;
}

static (double Seconds, double CpuSeconds) BestWithCpu(int times, Action action)
{
    var best = (Seconds: double.MaxValue, CpuSeconds: 0.0);
    for (var i = 0; i < times; i++)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var seconds = sw.Elapsed.TotalSeconds;
        if (seconds < best.Seconds) best = (seconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
    return best;
}

static void ReadLines(string path)
{
    using var reader = new StreamReader(path, System.Text.Encoding.UTF8, true, 1 << 16);
    long n = 0;
    while (reader.ReadLine() is { } line) n += line.Length;
    GC.KeepAlive(n);
}

static void CleanLines(string path)
{
    using var reader = new LogLineReader(File.OpenRead(path));
    long n = 0;
    while (reader.Next()) n += reader.Line.Length;
    GC.KeepAlive(n);
}

static long Parse(string path)
{
    var sink = new CountingSink();
    var import = Ingestor.CreateDefault().Ingest(path, () => File.OpenRead(path), sink);
    if (!import.Succeeded) throw new InvalidOperationException(import.Error);
    return import.Runs.Sum(r => r.Series.Sum(s => s.Count));
}

static long ParseMlx(string path, ImportContext context)
{
    using (var stream = File.OpenRead(path)) new RunDashboard.Core.Ingest.Formats.MlxLmFormat().Parse(stream, context, default);
    context.Flush();
    return context.Runs.Sum(r => r.Series.Sum(s => s.Count));
}

static long ParseGeneric(string path)
{
    var context = new ImportContext(path, new CountingSink());
    using (var stream = File.OpenRead(path)) new RunDashboard.Core.Ingest.Generic.GenericTextFormat().Parse(stream, context, default);
    context.Flush();
    return context.Runs.Sum(r => r.Series.Sum(s => s.Count));
}

sealed class CountingSink : IChunkSink
{
    public long Chunks;
    public void Write(RunDraft run, SeriesChunk chunk) => Chunks++;
    public void Discard(RunDraft run, string key, int fromSequence) { }
}
