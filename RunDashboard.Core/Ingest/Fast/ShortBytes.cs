using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// Comparisons of the short literals between a line's numbers (<c>", Learning Rate "</c>: 2–24 bytes). The general
/// <c>SequenceEqual</c> is a call that picks its vector width by length each time; for these lengths two or three
/// overlapping 8-byte (or 4-byte) loads compare the whole literal inline. Profile-guided compilation specialised the
/// general call for the lengths it saw, which is what made the MLX-LM byte path a fifth faster with it than without.
/// </summary>
internal static class ShortBytes
{
    /// <summary>True when <paramref name="text"/> starts with <paramref name="literal"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StartsWith(ReadOnlySpan<byte> text, ReadOnlySpan<byte> literal)
    {
        var n = literal.Length;
        if (text.Length < n) return false;
        ref var t = ref MemoryMarshal.GetReference(text);
        ref var l = ref MemoryMarshal.GetReference(literal);
        if (n >= 8)
        {
            if (n > 24) return text[..n].SequenceEqual(literal);
            // The first and last 8 bytes (overlapping when n < 16), and the middle 8 when n > 16.
            return Unsafe.ReadUnaligned<ulong>(ref t) == Unsafe.ReadUnaligned<ulong>(ref l)
                && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref t, n - 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, n - 8))
                && (n <= 16 || Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref t, 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref l, 8)));
        }
        if (n >= 4)
        {
            return Unsafe.ReadUnaligned<uint>(ref t) == Unsafe.ReadUnaligned<uint>(ref l)
                && Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref t, n - 4)) == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref l, n - 4));
        }
        for (var i = 0; i < n; i++)
        {
            if (Unsafe.Add(ref t, i) != Unsafe.Add(ref l, i)) return false;
        }
        return true;
    }

    /// <summary>True when <paramref name="text"/> is exactly <paramref name="literal"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Equal(ReadOnlySpan<byte> text, ReadOnlySpan<byte> literal) => text.Length == literal.Length && StartsWith(text, literal);
}
