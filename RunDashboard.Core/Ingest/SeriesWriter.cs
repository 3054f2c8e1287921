using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Accumulates the points of one series during a parse, hands full chunks to the sink and keeps the running
/// statistics that become <see cref="MetricInfo"/>. Steps must increase: like W&amp;B, a point whose step goes
/// backwards is dropped and reported; a repeated step replaces nothing and is reported too.
/// </summary>
public sealed class SeriesWriter
{
    private readonly RunDraft _run;
    private readonly IChunkSink _sink;
    private readonly int _chunkSize;
    private long[] _steps;
    private double[] _values;
    private double[]? _times;
    private int _pending;
    private int _sequence;
    private int _lastLine;

    internal SeriesWriter(RunDraft run, string key, string alias, IChunkSink sink, int chunkSize)
    {
        _run = run;
        _sink = sink;
        _chunkSize = chunkSize;
        Key = key;
        Alias = alias;
        _steps = new long[Math.Min(chunkSize, 256)];
        _values = new double[_steps.Length];
    }

    public string Key { get; }
    public string Alias { get; }
    public long Count { get; private set; }
    public long FirstStep { get; private set; }
    public long LastStep { get; private set; } = long.MinValue;
    public double LastValue { get; private set; } = double.NaN;
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public long NonFinite { get; private set; }

    /// <summary>Adds a point; returns false (and reports where) when the step does not move forward.</summary>
    public bool Add(long step, double value, int line, double time = double.NaN)
    {
        if (Count > 0 && step <= LastStep)
        {
            _run.Report(line, step == LastStep
                ? $"duplicate step {step} for '{Alias}' (first seen on line {_lastLine}); kept the first value"
                : $"step went backwards for '{Alias}': {step} after {LastStep} (line {_lastLine}); point skipped");
            return false;
        }
        if (Count == 0) FirstStep = step;
        if (_pending == _steps.Length) Grow();
        _steps[_pending] = step;
        _values[_pending] = value;
        if (!double.IsNaN(time))
        {
            _times ??= NaNs(_steps.Length);
            _times[_pending] = time;
        }
        _pending++;
        Count++;
        LastStep = step;
        LastValue = value;
        _lastLine = line;
        if (double.IsFinite(value))
        {
            if (value < Min) Min = value;
            if (value > Max) Max = value;
        }
        else
        {
            NonFinite++;
        }
        if (_pending == _chunkSize) Flush();
        return true;
    }

    /// <summary>
    /// Continues a series already stored: chunks are numbered after the stored ones and only steps after
    /// <paramref name="lastStep"/> are taken (a W&amp;B run that gained steps since the last sync).
    /// </summary>
    internal void ContinueAfter(int nextSequence, long lastStep)
    {
        _sequence = nextSequence;
        LastStep = lastStep;
    }

    internal void Flush()
    {
        if (_pending == 0) return;
        var chunk = new SeriesChunk(Key, _sequence++, _steps, _values, _times, _pending);
        _sink.Write(_run, chunk);
        _steps = new long[_chunkSize];
        _values = new double[_chunkSize];
        _times = null;
        _pending = 0;
    }

    internal MetricInfo ToInfo() => new()
    {
        Key = Key,
        Alias = Alias,
        Count = Count,
        FirstStep = FirstStep,
        LastStep = LastStep,
        LastValue = LastValue,
        Min = double.IsPositiveInfinity(Min) ? double.NaN : Min,
        Max = double.IsNegativeInfinity(Max) ? double.NaN : Max,
        NonFinite = NonFinite,
    };

    private void Grow()
    {
        var size = Math.Min(_chunkSize, _steps.Length * 2);
        Array.Resize(ref _steps, size);
        Array.Resize(ref _values, size);
        if (_times is not null)
        {
            var old = _times.Length;
            Array.Resize(ref _times, size);
            _times.AsSpan(old).Fill(double.NaN);
        }
    }

    private static double[] NaNs(int length)
    {
        var a = new double[length];
        a.AsSpan().Fill(double.NaN);
        return a;
    }
}
