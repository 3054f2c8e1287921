namespace RunDashboard.Core.Services;

/// <summary>The first <c>length</c> bytes of a stream, read-only, to hash the start of a file without copying it.</summary>
internal sealed class PrefixStream(Stream inner, long length) : ForwardReadStream
{
    private long _read;

    /// <summary>How many bytes the prefix can really have (less than asked when the stream is shorter).</summary>
    public long Available => inner.CanSeek ? Math.Min(length, inner.Length) : length;

    public override int Read(Span<byte> buffer)
    {
        var left = length - _read;
        if (left <= 0) return 0;
        var n = inner.Read(buffer[..(int)Math.Min(buffer.Length, left)]);
        _read += n;
        return n;
    }

    public override long Length => length;
    public override long Position { get => _read; }
}
