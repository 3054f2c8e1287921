namespace RunDashboard.Core.Model;

/// <summary>What the run page and runs list need to know about a series without reading its points.</summary>
public sealed class MetricInfo
{
    public string Key { get; set; } = "";

    /// <summary>The name the source used (e.g. <c>Train loss</c>, <c>eval_loss</c>); equals <see cref="Key"/> when nothing was mapped.</summary>
    public string Alias { get; set; } = "";
    public long Count { get; set; }
    public long FirstStep { get; set; }
    public long LastStep { get; set; }
    public double LastValue { get; set; }
    public double Min { get; set; }
    public double Max { get; set; }
    public long NonFinite { get; set; }
}
