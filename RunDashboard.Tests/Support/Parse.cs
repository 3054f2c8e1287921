using System.Text;
using RunDashboard.Core.Ingest;

namespace RunDashboard.Tests.Support;

/// <summary>Runs the real ingestor over a fixture or a string and keeps the points in memory.</summary>
public static class Parse
{
    public static (FileImport Import, MemorySink Sink) File(string fixture)
    {
        var sink = new MemorySink();
        var import = Ingestor.CreateDefault().Ingest(fixture, () => Fixture.Open(fixture), sink);
        return (import, sink);
    }

    public static (FileImport Import, MemorySink Sink) Text(string fileName, string text) => Bytes(fileName, Encoding.UTF8.GetBytes(text));

    public static (FileImport Import, MemorySink Sink) Bytes(string fileName, byte[] bytes)
    {
        var sink = new MemorySink();
        var import = Ingestor.CreateDefault().Ingest(fileName, () => new MemoryStream(bytes), sink);
        return (import, sink);
    }
}
