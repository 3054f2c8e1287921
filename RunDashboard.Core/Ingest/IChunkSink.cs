using RunDashboard.Core.Model;

namespace RunDashboard.Core.Ingest;

/// <summary>Receives full chunks while a file is being parsed, so a large log never sits in memory whole.</summary>
public interface IChunkSink
{
    void Write(RunDraft run, SeriesChunk chunk);

    /// <summary>Forgets the chunks of one series numbered <paramref name="fromSequence"/> and after (a resume overwrote them).</summary>
    void Discard(RunDraft run, string key, int fromSequence);
}
