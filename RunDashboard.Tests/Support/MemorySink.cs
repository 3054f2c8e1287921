using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;

namespace RunDashboard.Tests.Support;

/// <summary>Keeps parsed chunks in memory so parser tests can read back every point.</summary>
public sealed class MemorySink : IChunkSink
{
    private readonly Dictionary<(string Run, string Key), List<SeriesChunk>> _chunks = [];

    public void Write(RunDraft run, SeriesChunk chunk)
    {
        if (!_chunks.TryGetValue((run.Id, chunk.Key), out var list)) _chunks[(run.Id, chunk.Key)] = list = [];
        list.Add(chunk);
    }

    public void Discard(RunDraft run, string key, int fromSequence)
    {
        if (_chunks.TryGetValue((run.Id, key), out var list)) list.RemoveAll(c => c.Sequence >= fromSequence);
    }

    public (long[] Steps, double[] Values) Series(RunDraft run, string key)
    {
        var chunks = _chunks.GetValueOrDefault((run.Id, key)) ?? [];
        return (chunks.SelectMany(c => c.Steps.Take(c.Count)).ToArray(), chunks.SelectMany(c => c.Values.Take(c.Count)).ToArray());
    }
}
