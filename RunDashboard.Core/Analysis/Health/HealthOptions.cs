namespace RunDashboard.Core.Analysis.Health;

/// <summary>Every threshold of the health rules, with defaults taken from the seeds. Bound from <c>Health</c>.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>A val/train gap under 5% of the train loss is good generalisation.</summary>
    public double GoodGap { get; set; } = 0.05;

    /// <summary>Over 15% is significant overfitting.</summary>
    public double OverfitGap { get; set; } = 0.15;

    /// <summary>Eval loss this far above its best, while train loss kept falling, means overfitting began at the best.</summary>
    public double EvalRise { get; set; } = 0.02;

    /// <summary>A healthy eval/train ratio is 1.1–1.5×; past this it is flagged.</summary>
    public double MaxEvalTrainRatio { get; set; } = 2.0;

    /// <summary>Share of the logged points, at the end, over which a loss that improved less than <see cref="FlatTolerance"/> is flat.</summary>
    public double FlatWindow { get; set; } = 0.3;
    public double FlatTolerance { get; set; } = 0.01;
    public int MinPointsForTrend { get; set; } = 8;

    /// <summary>
    /// A loss whose median over the last <see cref="DivergenceWindow"/> of its points sits this far above its best such
    /// median is rising (a warning): one noisy last point is not a trend.
    /// </summary>
    public double DivergenceRatio { get; set; } = 0.5;

    /// <summary>
    /// A rise from the best median smaller than this share of the fall before it is not divergence, whatever its
    /// ratio: a loss that fell to nearly zero (a Q-learning loss from 0.0037 to 6e-8) can wobble to many times its
    /// best while moving by a negligible amount.
    /// </summary>
    public double DivergenceNegligibleRise { get; set; } = 0.01;

    /// <summary>Share of the points (at least 3) whose median is compared for divergence.</summary>
    public double DivergenceWindow { get; set; } = 0.1;

    /// <summary>A rise to this many times the best median (or into NaN/Inf) is explosive: an error.</summary>
    public double ExplosiveRatio { get; set; } = 3.0;

    /// <summary>A point this many times its neighbourhood's median is a spike.</summary>
    public double SpikeFactor { get; set; } = 3.0;
    public int SpikeWindow { get; set; } = 10;

    /// <summary>
    /// A spike must rise above every one of at least this many earlier points in its window: the first steps of a run
    /// (or its first evaluation) are high because training has just started, not because something broke.
    /// </summary>
    public int SpikeMinEarlierPoints { get; set; } = 3;

    /// <summary>Zeros at the end of a decay whose last non-zero value is under this share of the peak are the schedule reaching 0.</summary>
    public double LrEndOfDecayShare { get; set; } = 0.05;

    /// <summary>A train loss that fell by more than this (relative) shows the optimizer was updating.</summary>
    public double LrZeroLossDrop { get; set; } = 0.02;

    /// <summary>Relative spread under which a learning rate counts as constant.</summary>
    public double ConstantLrTolerance { get; set; } = 0.01;

    /// <summary>Components whose share differs from their config weight by more than this factor (either way) are flagged.</summary>
    public double ComponentWeightFactor { get; set; } = 2.0;

    /// <summary>Part of a total the components may leave unexplained.</summary>
    public double UnexplainedShare { get; set; } = 0.05;

    /// <summary>A component that changed less than this (relative) over the run while its total fell has stopped improving.</summary>
    public double StalledComponent { get; set; } = 0.02;

    /// <summary>Preference accuracy under this at the end is a warning.</summary>
    public double MinRewardAccuracy { get; set; } = 0.5;

    /// <summary>logps/chosen falling by more than this (relative to its start) while the margin rises is likelihood displacement.</summary>
    public double DisplacementChosenDrop { get; set; } = 0.02;

    /// <summary>Config keys that should agree, and how far apart (relative) they may be.</summary>
    public List<string[]> AgreeingConfigKeys { get; set; } = [];
    public static readonly IReadOnlyList<string[]> DefaultAgreeingConfigKeys =
        [["pretrain_steps", "model_pretrain_steps"], ["pretrain_compute", "model_pretrain_compute"]];
    public double ConfigDivergence { get; set; } = 0.1;

    /// <summary>A run still "running" with no heartbeat for this long is probably dead.</summary>
    public TimeSpan StaleHeartbeat { get; set; } = TimeSpan.FromHours(1);
}
