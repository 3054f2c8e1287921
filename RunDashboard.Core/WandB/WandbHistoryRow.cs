using System.Text.Json;

namespace RunDashboard.Core.WandB;

/// <summary>One history row: the parsed row, or why it could not be read and the step its text shows.</summary>
public readonly record struct WandbHistoryRow(JsonElement Row, string? Problem, long? StepHint);
