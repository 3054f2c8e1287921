namespace RunDashboard.Core.Ingest.Fast;

/// <summary>What <see cref="LogLineReader"/> offers each physical line to before decoding it.</summary>
internal interface IPlainLineTaker
{
    /// <summary>
    /// True when the line (its <c>\n</c> and one trailing <c>\r</c> removed) was taken: it is then counted but
    /// never decoded, cleaned or returned by <see cref="LogLineReader.Next"/>.
    /// </summary>
    bool TryTake(ReadOnlySpan<byte> line, int lineNumber);
}
