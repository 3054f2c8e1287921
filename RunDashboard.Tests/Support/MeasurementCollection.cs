namespace RunDashboard.Tests.Support;

/// <summary>
/// Measurements run alone: on a 2-core machine they would take the CPU from browser tests running beside them (and
/// those would time out), and their own seconds would measure the neighbours.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Measurements";
}
