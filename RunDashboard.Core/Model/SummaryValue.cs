namespace RunDashboard.Core.Model;

/// <summary>A final or summary metric reported by the source (e.g. <c>train_runtime</c>, <c>final_val_loss</c>).</summary>
public sealed record SummaryValue(string Key, double Value);
