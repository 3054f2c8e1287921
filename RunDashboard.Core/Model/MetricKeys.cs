using System.Collections.Frozen;

namespace RunDashboard.Core.Model;

/// <summary>
/// Canonical metric names. They follow the <c>split/name</c> shape of the Hugging Face → W&amp;B integration, so an
/// uploaded log and a synced W&amp;B run of the same training land on the same chart.
/// </summary>
public static class MetricKeys
{
    public const string TrainLoss = "train/loss";
    public const string EvalLoss = "eval/loss";
    public const string LearningRate = "train/learning_rate";
    public const string GradNorm = "train/grad_norm";
    public const string Epoch = "train/epoch";
    public const string Tokens = "train/tokens";
    public const string TokensPerSecond = "train/tokens_per_second";
    public const string IterationsPerSecond = "train/iterations_per_second";
    public const string SamplesPerSecond = "train/samples_per_second";
    public const string PeakMemoryGb = "train/peak_memory_gb";
    public const string RewardsChosen = "rewards/chosen";
    public const string RewardsRejected = "rewards/rejected";
    public const string RewardsMargins = "rewards/margins";
    public const string RewardsAccuracies = "rewards/accuracies";
    public const string LogpsChosen = "logps/chosen";
    public const string LogpsRejected = "logps/rejected";
    public const string LogitsChosen = "logits/chosen";
    public const string LogitsRejected = "logits/rejected";

    /// <summary>Names that trainers and exports use for the canonical keys.</summary>
    private static readonly FrozenDictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["loss"] = TrainLoss,
        ["train_loss"] = TrainLoss,
        ["train loss"] = TrainLoss,
        ["lm loss"] = TrainLoss,
        ["lm_loss"] = TrainLoss,
        ["val_loss"] = EvalLoss,
        ["val loss"] = EvalLoss,
        ["validation_loss"] = EvalLoss,
        ["eval_loss"] = EvalLoss,
        ["learning_rate"] = LearningRate,
        ["learning rate"] = LearningRate,
        ["lr"] = LearningRate,
        ["grad_norm"] = GradNorm,
        ["grad norm"] = GradNorm,
        ["gnorm"] = GradNorm,
        ["norm"] = GradNorm,
        ["grad_norm_total"] = GradNorm,
        ["trl"] = TrainLoss,
        ["tel"] = EvalLoss,
        ["valid_loss"] = EvalLoss,
        ["tok/sec"] = TokensPerSecond,
        ["tokens/second"] = TokensPerSecond,
        ["tps"] = TokensPerSecond,
        ["wps"] = TokensPerSecond,
        ["ups"] = IterationsPerSecond,
        ["epoch"] = Epoch,
        ["total_tokens"] = Tokens,
        ["trained tokens"] = Tokens,
        ["tokens"] = Tokens,
        ["num_input_tokens_seen"] = Tokens,
        ["tokens/sec"] = TokensPerSecond,
        ["tokens_per_second"] = TokensPerSecond,
        ["tokens_per_sec"] = TokensPerSecond,
        ["tokens/s"] = TokensPerSecond,
        ["tok/s"] = TokensPerSecond,
        ["samples/s"] = SamplesPerSecond,
        ["iterations_per_sec"] = IterationsPerSecond,
        ["it/sec"] = IterationsPerSecond,
        ["it/s"] = IterationsPerSecond,
        ["iterations_per_second"] = IterationsPerSecond,
        ["samp/sec"] = SamplesPerSecond,
        ["samples_per_second"] = SamplesPerSecond,
        ["peak mem"] = PeakMemoryGb,
        ["peak_memory_gb"] = PeakMemoryGb,
        ["gpu mem"] = "train/gpu_memory_gb",
        ["chosen"] = RewardsChosen,
        ["reject"] = RewardsRejected,
        ["rejected"] = RewardsRejected,
        ["margin"] = RewardsMargins,
        ["rewards/margin"] = RewardsMargins,
        ["rewards/accuracy"] = RewardsAccuracies,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Maps a source's metric name to its canonical key: known aliases first, then HF's <c>eval_</c>/<c>train_</c>
    /// prefixes, then the W&amp;B integration's <c>train/</c> prefix on preference metrics; anything else becomes
    /// <c>train/&lt;name&gt;</c> unless it already has a split.
    /// </summary>
    public static string Canonicalize(string alias)
    {
        var name = alias.Trim();
        if (Aliases.TryGetValue(name, out var known)) return known;
        if (name.StartsWith("eval_", StringComparison.OrdinalIgnoreCase)) return "eval/" + name[5..];
        if (name.StartsWith("train_", StringComparison.OrdinalIgnoreCase)) return "train/" + name[6..];
        if (name.StartsWith("train/", StringComparison.OrdinalIgnoreCase))
        {
            var rest = name[6..];
            if (rest.StartsWith("rewards/") || rest.StartsWith("logps/") || rest.StartsWith("logits/")) return Canonicalize(rest);
            return Aliases.TryGetValue(rest, out var inner) && inner.StartsWith("train/") ? inner : name;
        }
        if (name.StartsWith("eval/", StringComparison.OrdinalIgnoreCase))
        {
            var rest = name[5..];
            return Aliases.TryGetValue(rest, out var inner) && inner.StartsWith("train/") ? "eval/" + inner[6..] : name;
        }
        if (name.Contains('/')) return name;
        return "train/" + name.Replace(' ', '_').ToLowerInvariant();
    }

    /// <summary>The split of a key (<c>train</c>, <c>eval</c>, <c>rewards</c>…): the part before the first slash.</summary>
    public static string Group(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? key : key[..slash];
    }
}
