using System.Text;

namespace RunDashboard.Core.Ingest;

/// <summary>The start of a file, cleaned like the parser will see it, for format detection.</summary>
public sealed class FileSample
{
    public const int HeadBytes = 64 * 1024;

    private FileSample(string fileName, byte[] head, bool complete, IReadOnlyList<string> lines, IReadOnlyList<string> rawLines)
    {
        FileName = fileName;
        Head = head;
        IsComplete = complete;
        Lines = lines;
        RawLines = rawLines;
    }

    public string FileName { get; }

    /// <summary>File name without folders, lower case, for name-based hints (<c>trainer_state.json</c>).</summary>
    public string BaseName => Path.GetFileName(FileName.Replace('\\', '/')).ToLowerInvariant();
    public byte[] Head { get; }

    /// <summary>True when <see cref="Head"/> is the whole file.</summary>
    public bool IsComplete { get; }
    /// <summary>Sampled lines as the trainer printed them: launcher and logger prefixes removed, other ranks dropped.</summary>
    public IReadOnlyList<string> Lines { get; }

    /// <summary>The first lines exactly as in the file (for tables, whose first column may look like a timestamp prefix).</summary>
    public IReadOnlyList<string> RawLines { get; }

    /// <summary>True when <see cref="Lines"/> were gathered from the whole stream, not only its start.</summary>
    public bool IsDeep { get; private init; }

    /// <summary>A sample made of lines found anywhere in the file (metric lines after a long preamble).</summary>
    public FileSample WithLines(IReadOnlyList<string> lines) => new(FileName, Head, IsComplete, lines, RawLines) { IsDeep = true };

    public bool IsEmpty => Head.Length == 0;

    public bool IsZip => Head.AsSpan().StartsWith("PK\u0003\u0004"u8);

    /// <summary>NUL bytes or many control characters: not a text log.</summary>
    public bool LooksBinary
    {
        get
        {
            var span = Head.AsSpan(0, Math.Min(Head.Length, 8192));
            if (span.Contains((byte)0)) return true;
            var control = 0;
            foreach (var b in span)
            {
                if (b < 0x20 && b is not ((byte)'\n' or (byte)'\r' or (byte)'\t' or 0x1B or 0x0C)) control++;
            }
            return span.Length > 0 && control > span.Length / 20;
        }
    }

    /// <summary>The first non-blank characters, for JSON sniffing.</summary>
    public string TextStart => Encoding.UTF8.GetString(Head, 0, Math.Min(Head.Length, 4096)).TrimStart('\uFEFF', ' ', '\t', '\r', '\n');

    public static FileSample Read(string fileName, Stream stream, int maxLines = 200)
    {
        var buffer = new byte[HeadBytes];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        var complete = total < buffer.Length || stream.ReadByte() < 0;
        var head = buffer.AsSpan(0, total).ToArray();
        var lines = new List<string>();
        var raw = new List<string>();
        var usable = head.AsSpan();
        if (!complete)
        {
            // The last line of a cut sample is probably partial: leave it out.
            var lastNewline = usable.LastIndexOf((byte)'\n');
            if (lastNewline > 0) usable = usable[..(lastNewline + 1)];
        }
        var bytes = usable.ToArray();
        using (var reader = new LogLineReader(new MemoryStream(bytes), null))
        {
            while (lines.Count < maxLines && reader.Next()) lines.Add(reader.Line.ToString());
        }
        using (var reader = new LogLineReader(new MemoryStream(bytes), null, stripPrefixes: false))
        {
            while (raw.Count < maxLines && reader.Next()) raw.Add(reader.Line.ToString());
        }
        return new FileSample(fileName, head, complete, lines, raw);
    }
}
