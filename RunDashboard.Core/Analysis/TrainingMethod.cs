using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis;

/// <summary>What kind of training a run is, told from the metrics it logged (SFT and DPO runs log different keys: DPO/KTO add rewards/* and logps/*).</summary>
public static class TrainingMethod
{
    public const string Sft = "SFT";
    public const string Dpo = "DPO";
    public const string Kto = "KTO";
    public const string Distillation = "distillation";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Sft, Dpo, Kto, Distillation, Other];

    public static string Detect(Run run)
    {
        var keys = run.Metrics.Select(m => m.Key).ToList();
        var hasRewards = keys.Any(k => k.StartsWith("rewards/", StringComparison.Ordinal) || k.StartsWith("logps/", StringComparison.Ordinal));
        // KTO logs a KL estimate beside its rewards; DPO does not.
        if (hasRewards && keys.Any(k => k is "train/kl" or "kl" or "eval/kl" || k.EndsWith("/kl", StringComparison.Ordinal))) return Kto;
        if (hasRewards) return Mentions(run, "kto") ? Kto : Dpo;
        if (keys.Any(k => k.Contains("/kd", StringComparison.Ordinal) || k.Contains("distill", StringComparison.OrdinalIgnoreCase))
            || run.Hyperparameters.Any(h => h.Key.Contains("alpha_kd", StringComparison.OrdinalIgnoreCase) || h.Key.Contains("teacher", StringComparison.OrdinalIgnoreCase)))
        {
            return Distillation;
        }
        return keys.Contains(MetricKeys.TrainLoss) || keys.Contains(MetricKeys.EvalLoss) ? Sft : Other;
    }

    private static bool Mentions(Run run, string word) =>
        run.Name.Contains(word, StringComparison.OrdinalIgnoreCase)
        || run.Tags.Any(t => t.Contains(word, StringComparison.OrdinalIgnoreCase))
        || run.Hyperparameters.Any(h => h.Value.Contains(word, StringComparison.OrdinalIgnoreCase) && h.Key.Contains("loss", StringComparison.OrdinalIgnoreCase));
}
