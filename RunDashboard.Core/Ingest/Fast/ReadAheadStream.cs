namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// Reads a stream ahead on a thread of its own, in blocks of a megabyte, so the thread that splits and reads lines
/// does not also pay for the reads: copying a file's pages out of the page cache took a fifth of that thread's time,
/// and that thread is the one a large parse waits for. At most <see cref="BlocksAhead"/> blocks are read ahead.
/// A <see cref="LogLineReader"/> takes whole blocks (<see cref="TryTakeBlock"/>) instead of copying from them: each
/// block keeps <see cref="Headroom"/> bytes free before its data, where the reader puts the unfinished line it had.
/// </summary>
internal sealed class ReadAheadStream : ForwardReadStream
{
    /// <summary>Room before each block's data for the start of a line the previous block ended in.</summary>
    public const int Headroom = 1 << 16;

    private const int BlockBytes = 1 << 20;
    private const int BlocksAhead = 3;

    private readonly Stream _inner;
    private readonly Handoff<Block> _full = new(BlocksAhead);
    private readonly Handoff<byte[]> _free = new(BlocksAhead + 2);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private Block _current = new(null, 0);
    private int _offset;
    private bool _ended;
    private long _position;

    public ReadAheadStream(Stream inner)
    {
        _inner = inner;
        for (var i = 0; i < BlocksAhead + 2; i++) _free.Add(GC.AllocateUninitializedArray<byte>(Headroom + BlockBytes), CancellationToken.None);
        _reading = Task.Factory.StartNew(ReadAhead, _stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>A block's data is at <c>[Headroom, Headroom + Length)</c>.</summary>
    private readonly record struct Block(byte[]? Bytes, int Length, Exception? Error = null);

    private void ReadAhead()
    {
        try
        {
            var ended = false;
            while (!ended && _free.TryTake(out var buffer, _stop.Token))
            {
                var length = 0;
                // A stream still being written (an upload parsed while it arrives) gives what it has: a quarter block
                // is handed on at once rather than waiting for the rest.
                while (length < BlockBytes / 4)
                {
                    var read = _inner.Read(buffer, Headroom + length, BlockBytes - length);
                    if (read == 0) { ended = true; break; }
                    length += read;
                }
                if (length == 0) break;
                _full.Add(new Block(buffer, length), _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The error reaches the reader where the bytes would have been, as a read of the stream itself throws it.
            try { _full.Add(new Block(null, 0, e), _stop.Token); } catch (OperationCanceledException) { }
        }
        finally
        {
            _full.Complete();
        }
    }

    /// <summary>
    /// Hands the next unread bytes over with the array they are in: they are at <c>[start, start + length)</c>,
    /// with at least <see cref="Headroom"/> bytes before them free to write. The caller owns the array until it gives
    /// it back with <see cref="ReturnBlock"/>. False at the end of the stream.
    /// </summary>
    public bool TryTakeBlock(out byte[] buffer, out int start, out int length)
    {
        if (!TryCurrent())
        {
            buffer = [];
            start = length = 0;
            return false;
        }
        buffer = _current.Bytes!;
        start = Headroom + _offset;
        length = _current.Length - _offset;
        _position += length;
        _current = new Block(null, 0);
        _offset = 0;
        return true;
    }

    /// <summary>Gives back an array <see cref="TryTakeBlock"/> handed over, to be read into again.</summary>
    public void ReturnBlock(byte[] buffer) => _free.Add(buffer, CancellationToken.None);

    /// <summary>Makes <see cref="_current"/> a block with unread bytes; false at the end of the stream.</summary>
    private bool TryCurrent()
    {
        while (_offset == _current.Length)
        {
            if (_ended) return false;
            if (_current.Bytes is { } done) _free.Add(done, CancellationToken.None);
            _current = new Block(null, 0);
            _offset = 0;
            if (!_full.TryTake(out var next, CancellationToken.None))
            {
                _ended = true;
                return false;
            }
            if (next.Error is { } error) throw new IOException(error.Message, error);
            _current = next;
        }
        return true;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || !TryCurrent()) return 0;
        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.Bytes.AsSpan(Headroom + _offset, n).CopyTo(buffer);
        _offset += n;
        _position += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            try { _reading.Wait(); } catch (AggregateException) { }
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }

    public override long Position { get => _position; }
}
