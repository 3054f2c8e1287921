namespace RunDashboard.Core.Ingest.Generic;

/// <summary>
/// How one line shape was read, for the upload report: the template, a sample line, how many lines had it, the step
/// field chosen and the keys it produced, so a person can confirm the reading at a glance.
/// </summary>
public sealed record TemplateReading(string Template, string Sample, long Lines, string Step, IReadOnlyList<string> Keys);
