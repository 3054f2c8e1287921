using System.Buffers.Binary;

namespace RunDashboard.Core.Ingest.Archives;

/// <summary>
/// Reads TFRecord framing from a stream, front to back, without seeking: each record is a little-endian uint64
/// length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. A record whose data
/// CRC is wrong is skipped (its length was checked, so the next record is still found); a wrong length CRC, an
/// implausible length or a file that ends inside a record stops the reading. Each problem names the record's
/// byte offset.
/// </summary>
public sealed class TfRecordReader(Stream stream)
{
    /// <summary>No event a trainer writes comes near this; a larger length means the framing is not TFRecord.</summary>
    public const long MaxRecordBytes = 256L * 1024 * 1024;

    private readonly byte[] _header = new byte[12];
    private readonly byte[] _footer = new byte[4];

    /// <summary>Bytes consumed so far: the offset of the next record.</summary>
    public long Offset { get; private set; }

    /// <summary>Set when reading stopped early; skipped records are reported through <see cref="Next"/>'s callback.</summary>
    public string? StopReason { get; private set; }

    /// <summary>The next record whose CRCs are right, or null at the end (or where the framing broke).</summary>
    public TfRecord? Next(Action<long, string>? problem = null)
    {
        while (StopReason is null)
        {
            var start = Offset;
            var got = stream.ReadAtLeast(_header, _header.Length, throwOnEndOfStream: false);
            Offset += got;
            if (got == 0) return null;
            if (got < _header.Length)
            {
                Stop(problem, start, $"the file ends inside the header of the record at byte {start} ({got} of 12 bytes)");
                return null;
            }
            var length = BinaryPrimitives.ReadUInt64LittleEndian(_header);
            var lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(8));
            if (Crc32C.Masked(_header.AsSpan(0, 8)) != lengthCrc)
            {
                Stop(problem, start, $"the length of the record at byte {start} fails its CRC check; reading stopped there");
                return null;
            }
            if (length > MaxRecordBytes)
            {
                Stop(problem, start, $"the record at byte {start} claims {length:N0} bytes; reading stopped there");
                return null;
            }
            var data = new byte[(int)length];
            got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            Offset += got;
            if (got < data.Length)
            {
                Stop(problem, start, $"the file ends inside the record at byte {start} ({got:N0} of {length:N0} data bytes): the record is truncated");
                return null;
            }
            got = stream.ReadAtLeast(_footer, _footer.Length, throwOnEndOfStream: false);
            Offset += got;
            if (got < _footer.Length)
            {
                Stop(problem, start, $"the file ends inside the data CRC of the record at byte {start}: the record is truncated");
                return null;
            }
            if (Crc32C.Masked(data) != BinaryPrimitives.ReadUInt32LittleEndian(_footer))
            {
                problem?.Invoke(start, $"the record at byte {start} ({length:N0} bytes) fails its data CRC check; skipped");
                continue;
            }
            return new TfRecord(start, data);
        }
        return null;
    }

    /// <summary>True when <paramref name="head"/> starts with a TFRecord header whose length CRC is right.</summary>
    public static bool StartsWithRecord(ReadOnlySpan<byte> head)
    {
        if (head.Length < 12) return false;
        var length = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return length <= MaxRecordBytes && Crc32C.Masked(head[..8]) == BinaryPrimitives.ReadUInt32LittleEndian(head[8..]);
    }

    private void Stop(Action<long, string>? problem, long offset, string message)
    {
        StopReason = message;
        problem?.Invoke(offset, message);
    }
}
