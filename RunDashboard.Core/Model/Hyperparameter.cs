namespace RunDashboard.Core.Model;

/// <summary>
/// One configuration value. Nested keys are flattened with dots (<c>lora_parameters.rank</c>); the value keeps the
/// text the source wrote (<c>1e-05</c>, <c>true</c>), so a diff shows what the user typed.
/// </summary>
public sealed record Hyperparameter(string Key, string Value);
