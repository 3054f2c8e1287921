namespace RunDashboard.Core.Services;

/// <summary>The first <c>length</c> bytes of a stream, read-only, to hash the start of a file without copying it.</summary>
internal sealed class PrefixStream(Stream inner, long length) : Stream
{
    private long _read;

    /// <summary>How many bytes the prefix can really have (less than asked when the stream is shorter).</summary>
    public long Available => inner.CanSeek ? Math.Min(length, inner.Length) : length;

    public override int Read(byte[] buffer, int offset, int count)
    {
        var left = length - _read;
        if (left <= 0) return 0;
        var n = inner.Read(buffer, offset, (int)Math.Min(count, left));
        _read += n;
        return n;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _read; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
