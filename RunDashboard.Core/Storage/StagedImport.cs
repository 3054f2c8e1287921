using LiteDB;
using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The storage side of one import: chunks are written as the parser produces them, under run ids that no run
/// document points to yet. <see cref="Commit"/> publishes the runs; disposing without committing removes the chunks.
/// </summary>
public sealed class StagedImport : IChunkSink, IDisposable
{
    /// <summary>Chunks per insert (one transaction, one disk flush): about 5 MB of points.</summary>
    private const int BatchSize = 128;

    private readonly RunStore _store;
    private readonly List<BsonDocument> _batch = new(BatchSize);
    private readonly HashSet<string> _runIds = [];
    private bool _done;

    internal StagedImport(RunStore store, string importId)
    {
        _store = store;
        ImportId = importId;
    }

    public string ImportId { get; }

    public long ChunksWritten { get; private set; }

    public void Write(RunDraft run, SeriesChunk chunk)
    {
        _runIds.Add(run.Id);
        _batch.Add(RunStore.ToDocument(ImportId, run.Id, chunk));
        ChunksWritten++;
        if (_batch.Count >= BatchSize) FlushBatch();
    }

    public void Commit(IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string>? replacedRunIds = null)
    {
        FlushBatch();
        // Chunks of drafts that did not become runs (e.g. merged into another) must not linger.
        var kept = runs.Select(r => r.Id).ToHashSet();
        _store.DeleteChunksOf(ImportId, _runIds.Where(id => !kept.Contains(id)));
        _store.Commit(ImportId, runs, uploads, replacedRunIds ?? []);
        _done = true;
    }

    /// <summary>Gives a staged series to another staged run (two files of one run folder, merged).</summary>
    public void MoveSeries(string fromRunId, string toRunId, string key)
    {
        FlushBatch();
        _store.MoveChunks(ImportId, fromRunId, toRunId, key);
        _runIds.Add(toRunId);
    }

    /// <summary>Forgets a staged series (a copy of one another file of the run already has).</summary>
    public void DropSeries(string runId, string key)
    {
        FlushBatch();
        _store.DeleteChunks(ImportId, runId, key);
    }

    public void Discard(RunDraft run, string key, int fromSequence)
    {
        _batch.RemoveAll(d => d["RunId"].AsString == run.Id && d["SeriesId"].AsString.EndsWith("\n" + key, StringComparison.Ordinal) && d["Seq"].AsInt32 >= fromSequence);
        _store.DeleteChunksFrom(ImportId, run.Id, key, fromSequence);
    }

    /// <summary>Drops everything written so far.</summary>
    public void Abort()
    {
        if (_done) return;
        _batch.Clear();
        _store.DeleteChunksOf(ImportId, _runIds);
        _store.ForgetPending(ImportId);
        _done = true;
    }

    private void FlushBatch()
    {
        if (_batch.Count == 0) return;
        _store.InsertChunks(_batch);
        _batch.Clear();
    }

    public void Dispose() => Abort();
}
