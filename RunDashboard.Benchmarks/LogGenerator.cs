using System.Globalization;
using System.Text;

namespace RunDashboard.Benchmarks;

/// <summary>Writes large, realistic logs deterministically (same seed, same bytes).</summary>
public static class LogGenerator
{
    public static void MlxLm(string path, long bytes)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var rng = new Random(42);
        w.WriteLine("Loading pretrained model");
        w.WriteLine("Starting training..., iters: 100000000");
        long tokens = 0;
        for (long it = 1; w.BaseStream.Length < bytes; it++)
        {
            tokens += 420;
            var loss = 2.5 / Math.Log(it + 2) + rng.NextDouble() * 0.05;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"Iter {it}: Train loss {loss:F3}, Learning Rate {1e-5 * (1 - it / 2e8):E3}, It/sec {0.4 + rng.NextDouble() * 0.05:F3}, Tokens/sec {170 + rng.NextDouble() * 15:F3}, Trained Tokens {tokens}, Peak mem {8 + it * 1e-8:F3} GB\n"));
            if (it % 200 == 0) w.Write(string.Create(CultureInfo.InvariantCulture, $"Iter {it}: Val loss {loss * 1.1:F3}, Val took {28 + rng.NextDouble():F3}s\n"));
        }
    }

    public static void HfDicts(string path, long bytes)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var rng = new Random(7);
        w.WriteLine("***** Running training *****");
        w.WriteLine("  Total optimization steps = 100000000");
        for (long step = 10; w.BaseStream.Length < bytes; step += 10)
        {
            var loss = 0.69 / Math.Log(step / 10.0 + 2);
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r 10%|#         | {step}/100000000 [00:40<11:48,  4.02s/it]\n{{'loss': {loss:G6}, 'grad_norm': {10 * rng.NextDouble():G6}, 'learning_rate': {5e-7 * rng.NextDouble():R}, 'rewards/chosen': {0.2 * rng.NextDouble():G4}, 'rewards/rejected': {-0.8 * rng.NextDouble():G4}, 'rewards/accuracies': {rng.NextDouble():G4}, 'rewards/margins': {rng.NextDouble():G4}, 'logps/chosen': {-300 - rng.NextDouble() * 10:F2}, 'logps/rejected': {-340 - rng.NextDouble() * 10:F2}, 'logits/chosen': {-2.6 - rng.NextDouble() * 0.1:F4}, 'logits/rejected': {-2.6 - rng.NextDouble() * 0.1:F4}, 'epoch': {step / 1e6:F4}}}\n"));
        }
    }

    /// <summary>A trainer no dedicated parser knows (llm.c / torchtune style), behind a torchrun rank prefix.</summary>
    public static void GenericSteps(string path, long bytes)
    {
        using var w = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        var rng = new Random(11);
        w.WriteLine("[rank0]: using device: cuda, world size 8");
        for (long step = 1; w.BaseStream.Length < bytes; step++)
        {
            var loss = 11.0 / Math.Log(step + 2) + rng.NextDouble() * 0.05;
            w.Write(string.Create(CultureInfo.InvariantCulture,
                $"[rank0]: step {step}/100000000 | train loss {loss:F6} | norm {rng.NextDouble() * 2:F4} | lr {6e-4 * (1 - step / 2e8):E2} | ({300 + rng.NextDouble() * 20:F2} ms | {400000 + rng.Next(20000)} tok/s)\n"));
            if (step % 250 == 0) w.Write(string.Create(CultureInfo.InvariantCulture, $"[rank0]: val loss {loss * 1.05:F6}\n"));
        }
    }
}
