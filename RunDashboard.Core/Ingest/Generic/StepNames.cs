namespace RunDashboard.Core.Ingest.Generic;

/// <summary>Labels that name the step of a metric line, finest first; <c>epoch</c> only when nothing finer exists.</summary>
public static class StepNames
{
    private static readonly string[] Fine =
    [
        "global_step", "global step", "globalstep", "step", "steps", "train_step", "iteration", "iterations", "iter", "iters", "it",
        "num_updates", "updates", "update", "batch", "batches", "s", "optimizer_step", "trainer/global_step", "train/global_step",
        // OpenPCDet's timm-style lines count the run's iterations as "Acc_iter" (its accumulated_iter) beside the
        // batch position inside the epoch ("[  49/323]"); the accumulated count is the run's step.
        "acc_iter", "accumulated_iter",
    ];

    private static readonly string[] Coarse = ["epoch", "epochs", "ep"];

    /// <summary>"validation step: 300" names the step of a validation line.</summary>
    private static readonly string[] SplitWords = ["validation ", "valid ", "val ", "eval ", "evaluation ", "train ", "training ", "test "];

    /// <summary>
    /// "train_num_updates" (fairseq's JSON epoch summaries prefix every key with the split): a split prefix joined by
    /// an underscore names a step only before a singular counter; plural ones ("eval_steps", "train_iters") are
    /// settings, the number of steps to run.
    /// </summary>
    private static readonly string[] SplitPrefixes = ["train_", "training_", "valid_", "val_", "eval_", "test_"];

    private static readonly string[] SingularCounters = ["global_step", "step", "iteration", "iter", "num_updates", "update", "batch"];

    /// <summary>Counters abbreviated with a period (Marian prints "Ep. 1 : Up. 14000 : …"): the word they stand for.</summary>
    private static readonly Dictionary<string, string> Abbreviations = new()
    {
        ["up."] = "updates", ["upd."] = "updates", ["ep."] = "epoch", ["iter."] = "iter", ["it."] = "it",
    };

    /// <summary>Rank of a label as a step name: lower is finer; -1 when it is not one.</summary>
    public static int Rank(string label)
    {
        var l = label.Trim().Trim('\'', '"', '#').ToLowerInvariant();
        if (Abbreviations.TryGetValue(l, out var word)) l = word;
        l = WithoutSplitWord(l);
        var i = Array.IndexOf(Fine, l);
        if (i >= 0) return i;
        foreach (var split in SplitPrefixes)
        {
            if (l.StartsWith(split, StringComparison.Ordinal) && Array.IndexOf(SingularCounters, l[split.Length..]) >= 0) return Array.IndexOf(Fine, l[split.Length..]);
        }
        i = Array.IndexOf(Coarse, l);
        return i >= 0 ? 100 + i : -1;
    }

    public static bool IsEpoch(string label) => Rank(label) >= 100;

    /// <summary>A lower-case label without the split word before it ("validation step" → "step", "train rank" → "rank").</summary>
    internal static string WithoutSplitWord(string label)
    {
        foreach (var split in SplitWords)
        {
            if (label.StartsWith(split, StringComparison.Ordinal) && label.Length > split.Length) return label[split.Length..];
        }
        return label;
    }
}
