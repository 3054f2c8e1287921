namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// A line parser that can also read some lines straight from their UTF-8 bytes, in two halves: reading the numbers
/// (no effect on the import, so it may run on another thread, ahead of the lines before it) and applying them (in
/// file order, on the thread that owns the import).
/// </summary>
internal interface IByteLineParser
{
    /// <summary>Most values one line may give.</summary>
    const int MaxValues = 32;

    /// <summary>
    /// Reads a plain physical line (its <c>\n</c> and one trailing <c>\r</c> removed) into a step and values, and
    /// returns true only when applying them does exactly what the character path would do with the line; returns
    /// false for every other line. <paramref name="shape"/> tells <see cref="Apply"/> what the values are.
    /// </summary>
    bool TryRead(ReadOnlySpan<byte> line, Span<double> values, out long step, out object shape, out int count);

    /// <summary>
    /// True when the character path would take <paramref name="line"/> exactly as it is, leaving the state a line
    /// <see cref="TryRead"/> takes leaves (nothing to decode or clean, no prefix, no progress bar): such a line may
    /// be handed to the applying thread unread, which then reads it with <see cref="TryReadOnApplyingThread"/> or,
    /// when that fails, through the character path as it stands. Cheap: no number is read.
    /// </summary>
    bool CouldRead(ReadOnlySpan<byte> line);

    /// <summary><see cref="TryRead"/> for the applying thread, with what it learned of the lines kept apart from the reading thread's.</summary>
    bool TryReadOnApplyingThread(ReadOnlySpan<byte> line, Span<double> values, out long step, out object shape, out int count);

    /// <summary>Applies what <see cref="TryRead"/> read from line <paramref name="lineNumber"/>.</summary>
    void Apply(object shape, long step, ReadOnlySpan<double> values, int lineNumber);
}
