using System.Buffers.Binary;
using System.Runtime.InteropServices;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Packs a chunk's arrays into bytes: steps as zig-zag varint deltas (a regular 50-step log costs one byte a
/// point), values and times as little-endian doubles, so NaN and ±Inf survive bit for bit.
/// </summary>
public static class SeriesChunkCodec
{
    public static byte[] EncodeSteps(ReadOnlySpan<long> steps)
    {
        var buffer = new byte[steps.Length * 10];
        var w = 0;
        long previous = 0;
        foreach (var step in steps)
        {
            var delta = step - previous;
            previous = step;
            var zigzag = (ulong)((delta << 1) ^ (delta >> 63));
            while (zigzag >= 0x80)
            {
                buffer[w++] = (byte)(zigzag | 0x80);
                zigzag >>= 7;
            }
            buffer[w++] = (byte)zigzag;
        }
        return buffer.AsSpan(0, w).ToArray();
    }

    public static long[] DecodeSteps(ReadOnlySpan<byte> bytes, int count)
    {
        var steps = new long[count];
        var r = 0;
        long previous = 0;
        for (var i = 0; i < count; i++)
        {
            ulong zigzag = 0;
            var shift = 0;
            byte b;
            do
            {
                if (r >= bytes.Length) throw new InvalidDataException("series chunk is truncated");
                b = bytes[r++];
                zigzag |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            } while ((b & 0x80) != 0);
            var delta = (long)(zigzag >> 1) ^ -(long)(zigzag & 1);
            previous += delta;
            steps[i] = previous;
        }
        return steps;
    }

    public static byte[] EncodeDoubles(ReadOnlySpan<double> values)
    {
        var bytes = new byte[values.Length * sizeof(double)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        return bytes;
    }

    public static double[] DecodeDoubles(ReadOnlySpan<byte> bytes, int count)
    {
        if (bytes.Length < count * sizeof(double)) throw new InvalidDataException("series chunk is truncated");
        var values = new double[count];
        if (BitConverter.IsLittleEndian)
        {
            bytes[..(count * sizeof(double))].CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
        }
        return values;
    }

    private static bool HasAnyTime(ReadOnlySpan<double> times)
    {
        foreach (var t in times)
        {
            if (!double.IsNaN(t)) return true;
        }
        return false;
    }

    public static (byte[] Steps, byte[] Values, byte[]? Times) Encode(SeriesChunk chunk)
    {
        var n = chunk.Count;
        var times = chunk.Times is { } t && HasAnyTime(t.AsSpan(0, n)) ? t : null;
        return (EncodeSteps(chunk.Steps.AsSpan(0, n)), EncodeDoubles(chunk.Values.AsSpan(0, n)), times is null ? null : EncodeDoubles(times.AsSpan(0, n)));
    }
}
