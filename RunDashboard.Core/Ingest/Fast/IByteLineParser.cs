namespace RunDashboard.Core.Ingest.Fast;

/// <summary>
/// A line parser that can also read some lines straight from their UTF-8 bytes. The reader offers it every plain
/// physical line (its <c>\n</c> and one trailing <c>\r</c> removed) before decoding it; a line the parser takes is
/// never decoded, cleaned or handed to <see cref="ILineParser.Line"/>.
/// </summary>
public interface IByteLineParser
{
    /// <summary>
    /// Reads the line and returns true only when the character path would have done exactly the same with it
    /// (same points, problems and events); returns false, having changed nothing, for every other line.
    /// </summary>
    bool TryLine(ReadOnlySpan<byte> line, int lineNumber);
}
