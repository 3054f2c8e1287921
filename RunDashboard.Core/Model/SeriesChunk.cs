namespace RunDashboard.Core.Model;

/// <summary>
/// A run of consecutive points of one series. Series are stored and moved in chunks (thousands of points), never
/// a point at a time. <see cref="Times"/> is null when the source has no wall-clock times.
/// </summary>
public sealed class SeriesChunk(string key, int sequence, long[] steps, double[] values, double[]? times, int count)
{
    public const int DefaultSize = 4096;

    public string Key { get; } = key;
    public int Sequence { get; } = sequence;
    public long[] Steps { get; } = steps;
    public double[] Values { get; } = values;
    public double[]? Times { get; } = times;
    public int Count { get; } = count;
    public long FirstStep => Steps[0];
    public long LastStep => Steps[Count - 1];
}
