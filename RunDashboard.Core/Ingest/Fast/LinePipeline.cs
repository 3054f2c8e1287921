using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// Reads a large log on two threads. A reading thread splits the bytes into lines, reads the plain ones into steps
/// and values with the format's <see cref="IByteLineParser"/>, and decodes and cleans the others; the calling
/// thread applies it all in file order (series, events, problems), exactly as the one-thread loop would. Batches of
/// lines go from one to the other through a short bounded queue, so memory stays flat whatever the file's size.
/// <para>
/// Reading the numbers costs more than applying them, so the reading thread alone would leave the applying thread
/// idle half the time. Whenever the applying thread has nothing queued, the reading thread hands it the next batch's
/// plain lines unread (<see cref="IByteLineParser.CouldRead"/>) and it reads them itself: the two share the work
/// in whatever proportion the machine gives them.
/// </para>
/// </summary>
internal sealed class LinePipeline(LogLineReader reader, IByteLineParser bytes, LineLoop lines, PipelineSplit split = PipelineSplit.Balanced) : IPlainLineTaker
{
    /// <summary>Lines per batch (about a megabyte of an MLX-LM log): each handoff may wake the other thread, so few.</summary>
    private const int LinesPerBatch = 8192;

    /// <summary>
    /// Batches read ahead of the ones being applied (about 5 MB at most): on a busy machine one thread waits for
    /// the scheduler now and then, and the other keeps going meanwhile instead of waiting too.
    /// </summary>
    private const int BatchesAhead = 4;

    private readonly Handoff<Batch> _full = new(BatchesAhead);
    private readonly ConcurrentQueue<Batch> _free = new();
    private Batch _current = new();
    private CancellationToken _stop;

    /// <summary>Whether the batch being filled leaves its plain lines' numbers to the applying thread.</summary>
    private bool _handingOver = split == PipelineSplit.ApplyingThreadReads;

    private readonly double[] _values = new double[IByteLineParser.MaxValues];
    private char[] _chars = [];

    /// <summary>Reads the whole stream; returns when every line is applied, or throws what either thread threw.</summary>
    public void Run(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stop = stop.Token;
        var reading = Task.Factory.StartNew(Produce, stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            while (_full.TryTake(out var batch, cancellationToken))
            {
                Apply(batch);
                batch.Clear();
                _free.Enqueue(batch);
            }
            reading.GetAwaiter().GetResult();
        }
        finally
        {
            // Applying failed (a limit, a cancellation): the reading thread stops at its next batch.
            stop.Cancel();
            try
            {
                reading.Wait(CancellationToken.None);
            }
            catch (AggregateException) when (!reading.IsCompletedSuccessfully)
            {
                // What the reading thread threw was thrown above already, or the applying thread's own error wins.
            }
        }
    }

    /// <summary>A problem the reader found (an over-long line, a cut character), kept in its place among the lines.</summary>
    public void Report(int line, string message) => _current.Add(new Entry { Kind = EntryKind.Report, Line = line, Message = message });

    public bool TryTake(ReadOnlySpan<byte> line, int lineNumber)
    {
        var batch = _current;
        if (_handingOver)
        {
            if (!bytes.CouldRead(line)) return false;
            batch.EnsureBytes(line.Length);
            line.CopyTo(batch.Bytes.AsSpan(batch.ByteCount));
            Add(new Entry { Kind = EntryKind.Unread, Line = lineNumber, Start = batch.ByteCount, Length = line.Length });
            batch.ByteCount += line.Length;
            return true;
        }
        batch.EnsureValues();
        if (!bytes.TryRead(line, batch.Values.AsSpan(batch.ValueCount, IByteLineParser.MaxValues), out var step, out var shape, out var count)) return false;
        batch.EnsureBytes(line.Length);
        var entry = new Entry
        {
            Kind = EntryKind.Row, Line = lineNumber, Step = step, Shape = shape,
            ValueStart = batch.ValueCount, ValueCount = count, Start = batch.ByteCount, Length = line.Length,
        };
        batch.ValueCount += count;
        line.CopyTo(batch.Bytes.AsSpan(batch.ByteCount));
        batch.ByteCount += line.Length;
        Add(entry);
        return true;
    }

    private void Produce()
    {
        try
        {
            reader.ByteLines = this;
            while (reader.Next())
            {
                var text = reader.Line;
                var batch = _current;
                batch.EnsureChars(text.Length);
                text.CopyTo(batch.Chars.AsSpan(batch.CharCount));
                Add(new Entry { Kind = EntryKind.Segment, Line = reader.LineNumber, Start = batch.CharCount, Length = text.Length });
                batch.CharCount += text.Length;
            }
            if (_current.Count > 0) _full.Add(_current, _stop);
        }
        finally
        {
            _full.Complete();
        }
    }

    private void Add(Entry entry)
    {
        var batch = _current;
        batch.Add(entry);
        if (batch.Count < LinesPerBatch) return;
        // Nothing queued: the applying thread is on its last batch or waiting, and has time to read numbers.
        _handingOver = split switch
        {
            PipelineSplit.Balanced => _full.Count == 0,
            PipelineSplit.ApplyingThreadReads => true,
            _ => false,
        };
        _full.Add(batch, _stop);
        _current = _free.TryDequeue(out var next) ? next : new Batch();
    }

    private void Apply(Batch batch)
    {
        var context = lines.Context;
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var e = ref batch.Entries[i];
            switch (e.Kind)
            {
                case EntryKind.Row:
                    lines.Row(e.Shape!, e.Step, batch.Values.AsSpan(e.ValueStart, e.ValueCount), e.Line, batch.Bytes.AsSpan(e.Start, e.Length));
                    break;
                case EntryKind.Segment:
                    lines.Line(batch.Chars.AsSpan(e.Start, e.Length), e.Line);
                    break;
                case EntryKind.Unread:
                    ApplyUnread(batch.Bytes.AsSpan(e.Start, e.Length), e.Line);
                    break;
                default:
                    context.Report(e.Line, e.Message!);
                    break;
            }
        }
    }

    /// <summary>
    /// A line handed over unread: read here, or, when the byte reading refuses it, taken by the character path as it
    /// stands, which is what the reading thread would have given (it cleans nothing in such a line).
    /// </summary>
    [MethodImpl(HotPath.Optimised)]
    private void ApplyUnread(ReadOnlySpan<byte> line, int lineNumber)
    {
        if (bytes.TryReadOnApplyingThread(line, _values, out var step, out var shape, out var count))
        {
            lines.Row(shape, step, _values.AsSpan(0, count), lineNumber, line);
            return;
        }
        if (_chars.Length < line.Length) _chars = new char[line.Length];
        System.Text.Ascii.ToUtf16(line, _chars, out var written);
        lines.Line(_chars.AsSpan(0, written), lineNumber);
    }

    private enum EntryKind : byte { Row, Segment, Report, Unread }

    private struct Entry
    {
        public EntryKind Kind;
        public int Line;
        public long Step;
        public object? Shape;
        public int Start;
        public int Length;
        public int ValueStart;
        public int ValueCount;
        public string? Message;
    }

    /// <summary>Lines in file order: rows (step, values and the line's bytes), cleaned text segments and reports.</summary>
    private sealed class Batch
    {
        public Entry[] Entries = new Entry[LinesPerBatch];
        public int Count;
        public double[] Values = new double[LinesPerBatch * 8];
        public int ValueCount;
        public byte[] Bytes = new byte[LinesPerBatch * 192];
        public int ByteCount;
        public char[] Chars = new char[4096];
        public int CharCount;

        public void Add(Entry entry) => Entries[Count++] = entry;

        public void EnsureValues()
        {
            if (ValueCount + IByteLineParser.MaxValues > Values.Length) Array.Resize(ref Values, Values.Length * 2);
        }

        public void EnsureBytes(int lineBytes)
        {
            if (ByteCount + lineBytes > Bytes.Length) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, ByteCount + lineBytes));
        }

        public void EnsureChars(int length)
        {
            if (CharCount + length > Chars.Length) Array.Resize(ref Chars, Math.Max(Chars.Length * 2, CharCount + length));
        }

        /// <summary>
        /// Every entry is written whole before it is read, so the old ones are left in place: clearing them (they
        /// hold references) cost the applying thread 3 % of its time, and what they keep alive (line shapes, a
        /// few report messages) lives as long as the parse anyway.
        /// </summary>
        public void Clear() => Count = ValueCount = ByteCount = CharCount = 0;
    }
}

/// <summary>Who reads the numbers of plain lines in a <see cref="LinePipeline"/>; tests fix it to check each way.</summary>
internal enum PipelineSplit
{
    /// <summary>The applying thread reads a batch's numbers whenever it has nothing queued.</summary>
    Balanced,
    ReadingThreadReads,
    ApplyingThreadReads,
}
