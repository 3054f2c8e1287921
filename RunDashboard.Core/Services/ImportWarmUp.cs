using System.Diagnostics;
using System.Globalization;
using System.Text;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// .NET compiles a method quickly and unoptimised when it is first called, and recompiles it optimised in the
/// background once it has been called about 30 times. A large upload into a server that has just started runs through
/// much of that: about one processor second more than the same upload a minute later (1.8 s instead of 1.2 s for a
/// 512 MB log on two cores). Importing a few small generated logs, in the shapes of common trainers, into a throwaway
/// database of its own pays for that before anyone uploads; the user's database is not touched. The dashboard sends
/// them through its own upload endpoint (<see cref="Logs"/>, <see cref="Throwaway"/>); <see cref="RunAsync"/> imports
/// them in process where that endpoint cannot be reached.
/// </summary>
public static class ImportWarmUp
{
    /// <summary>What the warm-up did: logs imported, their bytes and stored points, and how long it took.</summary>
    public sealed record Result(int Imports, long Bytes, long Points, TimeSpan Elapsed);

    /// <summary>How many times the logs are sent: the second time runs what the first one compiled often enough to get it optimised.</summary>
    public const int Rounds = 2;

    /// <summary>
    /// A store and import service over a new LiteDB file in <paramref name="folder"/>; <see cref="Throwaway.Dispose"/>
    /// deletes the folder.
    /// </summary>
    public sealed class Throwaway : IDisposable
    {
        private readonly string _folder;

        public Throwaway(Ingestor ingestor, string folder)
        {
            _folder = folder;
            Directory.CreateDirectory(folder);
            Store = new RunStore(Path.Combine(folder, "warm-up.db"));
            Imports = new ImportService(Store, ingestor, TimeProvider.System);
        }

        public RunStore Store { get; }
        public ImportService Imports { get; }

        public void Dispose()
        {
            Store.Dispose();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>Imports the generated logs <see cref="Rounds"/> times into a throwaway database in <paramref name="folder"/>, in process.</summary>
    public static async Task<Result> RunAsync(Ingestor ingestor, string folder, CancellationToken cancellationToken = default)
    {
        using var throwaway = new Throwaway(ingestor, folder);
        return (await RunAsync(throwaway, async (name, log) =>
        {
            var report = await ImportWhileWritingAsync(throwaway.Imports, name, log, cancellationToken);
            if (!report.Succeeded) throw new InvalidOperationException($"the generated log {name} did not import: {report.Error}");
            return true;
        }, cancellationToken))!;
    }

    /// <summary>
    /// Hands each generated log of every round to <paramref name="import"/>, which imports it into
    /// <paramref name="throwaway"/> (false: it was refused, and the warm-up ends with null), waits for its raw bytes to be
    /// archived, as after a user's upload, and at the end for the runtime to stop compiling.
    /// </summary>
    public static async Task<Result?> RunAsync(Throwaway throwaway, Func<string, byte[], Task<bool>> import, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var imports = 0;
        long bytes = 0;
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var (name, log) in Logs(round))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!await import(name, log)) return null;
                imports++;
                bytes += log.Length;
                await Task.Run(() => throwaway.Store.Uploads.WaitForArchive(), cancellationToken);
            }
        }
        await CompilerQuietAsync(TimeSpan.FromSeconds(2), cancellationToken);
        var points = throwaway.Store.ListRuns().Sum(r => r.Metrics.Sum(m => m.Count));
        return new Result(imports, bytes, points, started.Elapsed);
    }

    /// <summary>
    /// Waits until the runtime has compiled no method for a quarter of a second, at most <paramref name="limit"/>: the
    /// optimised versions of what the warm-up ran often are compiled on a background thread after its calls, and would
    /// otherwise take a core from the first upload.
    /// </summary>
    private static async Task CompilerQuietAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var until = Stopwatch.StartNew();
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        while (until.Elapsed < limit)
        {
            await Task.Delay(250, cancellationToken);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now == compiled) return;
            compiled = now;
        }
    }

    /// <summary>Writes the log into the upload's file in 1 MB pieces while the import reads it, as the upload endpoint does.</summary>
    private static async Task<ImportReport> ImportWhileWritingAsync(ImportService service, string name, byte[] log, CancellationToken cancellationToken)
    {
        var options = new UploadOptions(Project: "warm-up", Name: name);
        using var receiving = service.BeginReceiving(name, options, cancellationToken);
        await using (var target = new FileStream(receiving.Path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: true))
        {
            for (var at = 0; at < log.Length; at += 1 << 20)
            {
                var piece = log.AsMemory(at, Math.Min(1 << 20, log.Length - at));
                await target.WriteAsync(piece, cancellationToken);
                receiving.Wrote(piece.Span, at + piece.Length);
            }
        }
        return await receiving.FinishAsync(sha256: null, options, cancellationToken);
    }

    /// <summary>
    /// The logs of one round (each round's bytes differ, so none is a duplicate): an MLX-LM log (its own fast parser),
    /// a Hugging Face Trainer's printed dicts and a step/key-value log only the generic reader knows. Together they run
    /// format detection, the three kinds of readers, the series encoder and pyramid, and the database's writes.
    /// </summary>
    public static IEnumerable<(string Name, byte[] Log)> Logs(int round)
    {
        var rng = new Random(round);
        var text = new StringBuilder();
        string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

        text.Append(F($"Warm-up round {round}\nStarting training..., iters: 60000\n"));
        for (var it = 1; text.Length < 8 << 20; it++)
        {
            var loss = 2.5 / Math.Log(it + 2) + rng.NextDouble() * 0.05;
            text.Append(F($"Iter {it}: Train loss {loss:F3}, Learning Rate {1e-5 * (1 - it / 2e5):E3}, It/sec {0.4 + rng.NextDouble() * 0.05:F3}, Tokens/sec {170 + rng.NextDouble() * 15:F3}, Trained Tokens {it * 420L}, Peak mem {8 + it * 1e-6:F3} GB\n"));
            if (it % 200 == 0) text.Append(F($"Iter {it}: Val loss {loss * 1.1:F3}, Val took {28 + rng.NextDouble():F3}s\n"));
        }
        yield return ($"warm-up-mlx-lm-{round}.log", Encoding.UTF8.GetBytes(text.ToString()));

        text.Clear().Append(F($"Warm-up round {round}\n***** Running training *****\n  Total optimization steps = 100000\n"));
        for (var step = 10; text.Length < 1 << 20; step += 10)
        {
            text.Append(F($"{{'loss': {0.69 / Math.Log(step / 10.0 + 2):G6}, 'grad_norm': {10 * rng.NextDouble():G6}, 'learning_rate': {5e-7 * rng.NextDouble():R}, 'rewards/margins': {rng.NextDouble():G4}, 'epoch': {step / 1e5:F4}}}\n"));
        }
        yield return ($"warm-up-trainer-{round}.log", Encoding.UTF8.GetBytes(text.ToString()));

        text.Clear().Append(F($"Warm-up round {round}\n"));
        for (var step = 1; text.Length < 1 << 20; step++)
        {
            text.Append(F($"step {step}/100000 | train loss {11.0 / Math.Log(step + 2):F6} | norm {rng.NextDouble() * 2:F4} | lr {6e-4 * (1 - step / 2e5):E2} | ({300 + rng.NextDouble() * 20:F2} ms | {400000 + rng.Next(20000)} tok/s)\n"));
        }
        yield return ($"warm-up-steps-{round}.log", Encoding.UTF8.GetBytes(text.ToString()));
    }
}
