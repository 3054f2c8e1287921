using System.Globalization;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Analysis.Health;

/// <summary>
/// DPO/KTO likelihood displacement: the log-probability of the chosen answers falls while the reward margin rises,
/// so the margin is won by pushing rejected answers down faster than chosen ones, not by making chosen ones likelier.
/// </summary>
public static class LikelihoodDisplacement
{
    public static IEnumerable<Finding> Check(RunData data, HealthOptions o)
    {
        if (data.Get(MetricKeys.LogpsChosen) is not { } chosen || data.Get(MetricKeys.RewardsMargins) is not { } margins) yield break;
        if (Edges(chosen) is not var (c0, c1) || Edges(margins) is not var (m0, m1)) yield break;
        var chosenDrop = (c0 - c1) / Math.Max(Math.Abs(c0), 1e-12);
        if (chosenDrop <= o.DisplacementChosenDrop || m1 <= m0) yield break;

        // The margin is β·[(chosen − its reference) − (rejected − its reference)]; the references do not move, so its
        // change splits into the chosen side's change and the rejected side's, from rewards or else from log-probs.
        var (chosenSide, rejectedSide, basis) = Sides(data, c0, c1);
        var evidence = new Dictionary<string, string>
        {
            ["logps/chosen first"] = N(c0),
            ["logps/chosen last"] = N(c1),
            ["chosen drop"] = P(chosenDrop),
            ["margin first"] = N(m0),
            ["margin last"] = N(m1),
            ["flagged when chosen falls more than"] = P(o.DisplacementChosenDrop),
        };
        var split = "";
        if (chosenSide is { } cs && rejectedSide is { } rs && rs - cs != 0)
        {
            // Gain in margin = chosen rise + rejected fall; each as a share of that gain (the chosen share is negative when chosen fell).
            var gain = cs - rs;
            var fromRejected = -rs / gain;
            var fromChosen = cs / gain;
            evidence["from rejected falling"] = P(fromRejected);
            evidence["from chosen rising"] = P(fromChosen);
            evidence["split from"] = basis!;
            split = $" {P(fromRejected)} of the margin's growth comes from rejected answers falling and {P(fromChosen)} from chosen ones {(fromChosen < 0 ? "(negative: they fell)" : "rising")} (by {basis}).";
        }
        const string remedies = "Add a supervised term on the chosen answers (an SFT/NLL loss, e.g. TRL's rpo_alpha=1.0), lower β, or lower the learning rate.";
        evidence["remedies"] = remedies;
        yield return new Finding("likelihood-displacement", Severity.Warning,
            $"Likelihood displacement: logps/chosen fell from {N(c0)} to {N(c1)} while rewards/margins rose from {N(m0)} to {N(m1)}.{split} {remedies}",
            chosen.Steps[^1], MetricKeys.LogpsChosen)
        {
            Evidence = evidence,
            Why = "A rising margin with falling chosen likelihood means probability mass leaves both answers, often for unrelated or degenerate text; the preference looks learned while generations get worse.",
        };
    }

    private static (double? Chosen, double? Rejected, string? Basis) Sides(RunData data, double c0, double c1)
    {
        if (data.Get(MetricKeys.RewardsChosen) is { } rc && data.Get(MetricKeys.RewardsRejected) is { } rr && Edges(rc) is var (a0, a1) && Edges(rr) is var (b0, b1))
        {
            return (a1 - a0, b1 - b0, "rewards/chosen and rewards/rejected");
        }
        if (data.Get(MetricKeys.LogpsRejected) is { } lr && Edges(lr) is var (r0, r1))
        {
            return (c1 - c0, r1 - r0, "logps/chosen and logps/rejected");
        }
        return (null, null, null);
    }

    /// <summary>Medians of the first and last three finite points: where the series started and ended.</summary>
    private static (double First, double Last)? Edges(MetricSeries s)
    {
        var finite = s.Values.Where(double.IsFinite).ToList();
        if (finite.Count < 4) return null;
        static double Median(IEnumerable<double> v) { var l = v.Order().ToList(); return l[l.Count / 2]; }
        return (Median(finite.Take(3)), Median(finite.TakeLast(3)));
    }

    private static string N(double v) => HealthChecks.N(v);
    private static string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
