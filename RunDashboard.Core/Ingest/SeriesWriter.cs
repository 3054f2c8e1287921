using System.Runtime.CompilerServices;
using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>
/// Accumulates the points of one series during a parse, hands full chunks to the sink and keeps the running
/// statistics that become <see cref="MetricInfo"/>. Steps increase within a run. A step that goes back to or
/// below the run's first step starts the next run of the file; one that goes back less far is a resume from a
/// checkpoint: the points it overlaps are replaced by the new ones and a <c>resumed</c> event marks it. A repeated
/// step replaces nothing and is reported. A step that goes back to a point already written and is followed by one
/// past the last step is a second writer's copy of an earlier record (two processes appending to one log), not a
/// resume: the same value at that step, or else the next point, decides (the step that went back is held until then).
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
    private SeriesChunk? _lastFlushed;
    private long _dropThrough = long.MinValue;
    private (long Step, double Value, int Line, double Time, long LastBefore)? _held;

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

    public string Key { get; internal set; }

    /// <summary>True until a chunk of this series went to the sink (its key can still change).</summary>
    internal bool NothingWritten => _sequence == 0 && _lastFlushed is null;
    public string Alias { get; internal set; }
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
        if (_run.Successor is not null) return _run.Latest.Metric(Alias, Key).Add(step, value, line, time);
        if (step <= _dropThrough && !(_run.FirstStep is { } start && step <= start)) return false;
        if (_held is { } held)
        {
            _held = null;
            if (step > LastStep)
            {
                // A resume goes on from the step it went back to; a copy of an old record is followed by the
                // records after the last step, as if it had not been there.
                _run.Report(held.Line, $"step {held.Step} for '{Alias}' came again after step {held.LastBefore} and the next record continues after {held.LastBefore}: a repeated copy of an earlier record (not a resume); the first value was kept");
            }
            else
            {
                Resume(held.Step, held.Value, held.Line, held.Time);
            }
        }
        if (Count > 0 && step <= LastStep)
        {
            if (step == LastStep)
            {
                // The same record printed twice (a logger with two handlers prints every line twice): nothing to
                // replace and nothing to say, on every line of the log.
                if (BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(LastValue)) return false;
                // The same step printed again (an evaluation line repeating a training value): the later value
                // stands, as after a resume.
                _run.Report(line, $"duplicate step {step} for '{Alias}' (first seen on line {_lastLine}); the later value replaces it");
                if (_pending > 0 && double.IsFinite(value))
                {
                    _values[_pending - 1] = value;
                    LastValue = value;
                    if (value < Min) Min = value;
                    if (value > Max) Max = value;
                    _lastLine = line;
                }
                return false;
            }
            if (_run.FirstStep is { } first && step <= first)
            {
                return _run.StartSuccessor(step, line).Metric(Alias, Key).Add(step, value, line, time);
            }
            if (ValueAt(step) is { } written)
            {
                if (written.Equals(value))
                {
                    // The same value at a step already written: a copy of that record, whatever comes next.
                    _run.Report(line, $"step {step} for '{Alias}' came again after step {LastStep} with the same value: a repeated copy of an earlier record (not a resume)");
                    return false;
                }
                _held = (step, value, line, time, LastStep);
                return false;
            }
            _run.MarkResumed(step, LastStep, line);
            Rewind(step, line);
        }
        return Append(step, value, line, time);
    }

    /// <summary>
    /// True when <see cref="Add"/> would simply append a point at <paramref name="step"/> (no time) to the pending
    /// chunk: the step moves past the last one, nothing is held, the run goes on and the chunk has room.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool CanAppendNext(long step) =>
        step > LastStep && Count > 0 && !_held.HasValue && _run.Successor is null && step > _dropThrough
        && _pending < _steps.Length && _times is null;

    /// <summary>
    /// What <see cref="Add"/> does with a point <see cref="CanAppendNext"/> allowed, except counting it for the run
    /// (the caller counts the points of a line at once). With a point of this run written and this step past it,
    /// the step is past the run's first step, so there is no first step to note either.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void AppendNext(long step, double value, int line)
    {
        var pending = _pending;
        _steps[pending] = step;
        _values[pending] = value;
        _pending = pending + 1;
        Counted(step, value, line);
    }

    /// <summary>The statistics of a point just placed in the pending arrays; writes the chunk once it is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Counted(long step, double value, int line)
    {
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
        if (_pending == _chunkSize) WriteChunk();
    }

    private void Resume(long step, double value, int line, double time)
    {
        _run.MarkResumed(step, LastStep, line);
        Rewind(step, line);
        Append(step, value, line, time);
    }

    /// <summary>The value written at <paramref name="step"/> while it is still in memory (pending or the chunk written last).</summary>
    private double? ValueAt(long step)
    {
        var at = Array.BinarySearch(_steps, 0, _pending, step);
        if (at >= 0) return _values[at];
        if (_lastFlushed is not { } last) return null;
        at = Array.BinarySearch(last.Steps, 0, last.Count, step);
        return at >= 0 ? last.Values[at] : null;
    }

    private bool Append(long step, double value, int line, double time)
    {
        if (Count == 0) FirstStep = step;
        _run.NoteFirstStep(step);
        _run.CountPoint(line);
        _run.AddPoint();
        if (_pending == _steps.Length) Grow();
        _steps[_pending] = step;
        _values[_pending] = value;
        if (!double.IsNaN(time))
        {
            _times ??= NaNs(_steps.Length);
            _times[_pending] = time;
        }
        _pending++;
        Counted(step, value, line);
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

    /// <summary>Removes the points at <paramref name="step"/> and after, which a resume logs again.</summary>
    private void Rewind(long step, int line)
    {
        var keep = _pending;
        while (keep > 0 && _steps[keep - 1] >= step) keep--;
        if (keep > 0 || _lastFlushed is null || _lastFlushed.LastStep < step)
        {
            Count -= _pending - keep;
            _pending = keep;
        }
        else if (_lastFlushed.FirstStep < step)
        {
            // The resume reaches into the chunk written last: take it back and keep its points before the step.
            var last = _lastFlushed;
            _sink.Discard(_run, Key, last.Sequence);
            _sequence = last.Sequence;
            var before = 0;
            while (before < last.Count && last.Steps[before] < step) before++;
            Count -= last.Count - before + _pending;
            _steps = ChunkArrays.RentSteps(_chunkSize);
            _values = ChunkArrays.RentValues(_chunkSize);
            _times = last.Times is null ? null : NaNs(_chunkSize);
            Array.Copy(last.Steps, _steps, before);
            Array.Copy(last.Values, _values, before);
            if (last.Times is not null) Array.Copy(last.Times, _times!, before);
            _pending = before;
            _lastFlushed = null;
            last.Release();
        }
        else
        {
            // Older chunks are already written: the first values up to their end stay.
            _dropThrough = _lastFlushed.LastStep;
            _run.Report(line, $"resume at step {step} reaches back past what can be replaced for '{Alias}'; the first values up to step {_dropThrough} were kept");
            Count -= _pending;
            _pending = 0;
        }
        if (_pending > 0)
        {
            LastStep = _steps[_pending - 1];
            LastValue = _values[_pending - 1];
        }
        else
        {
            LastStep = _lastFlushed?.LastStep ?? long.MinValue;
        }
    }

    /// <summary>End of the parse: a point still held as a possible resume is one (nothing came after it).</summary>
    internal void Flush()
    {
        if (_held is { } held)
        {
            _held = null;
            Resume(held.Step, held.Value, held.Line, held.Time);
        }
        WriteChunk();
    }

    private void WriteChunk()
    {
        if (_pending == 0) return;
        var chunk = SeriesChunk.Shared(Key, _sequence++, _steps, _values, _times, _pending);
        _lastFlushed?.Release();
        _lastFlushed = chunk;
        _sink.Write(_run, chunk);
        _steps = ChunkArrays.RentSteps(_chunkSize);
        _values = ChunkArrays.RentValues(_chunkSize);
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
