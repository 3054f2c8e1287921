using RunDashboard.Core.Ingest;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// The storage side of one import: chunks are written as the parser produces them, under run ids that no run
/// document points to yet. <see cref="Commit"/> publishes the runs; disposing without committing removes the chunks.
/// </summary>
public sealed class StagedImport : IChunkSink, IDisposable
{
    /// <summary>Chunks per insert (one transaction, one disk flush): 128 chunks are 0.5 M points, 8–12 MB before
    /// encoding; with one batch queued and one being written, three batches at most are held.</summary>
    private const int BatchSize = 128;

    private readonly RunStore _store;
    private List<SeriesChunkWrite> _batch = new(BatchSize);
    private readonly HashSet<string> _runIds = [];
    private readonly ChunkWriter _writer;
    private bool _done;

    internal StagedImport(RunStore store, string importId)
    {
        _store = store;
        ImportId = importId;
        _writer = new ChunkWriter(store.Backend, importId);
    }

    public string ImportId { get; }

    public long ChunksWritten { get; private set; }

    public void Write(RunDraft run, SeriesChunk chunk)
    {
        _runIds.Add(run.Id);
        // A written chunk's arrays are not touched again until the writer thread has encoded it and released it
        // (SeriesWriter goes on in other arrays), so the writer thread may encode them later.
        _batch.Add(new SeriesChunkWrite(run.Id, chunk));
        ChunksWritten++;
        if (_batch.Count >= BatchSize) QueueBatch();
    }

    public void Commit(IReadOnlyList<Run> runs, IReadOnlyList<UploadRecord> uploads, IReadOnlyList<string>? replacedRunIds = null)
    {
        FlushBatch();
        // Chunks of drafts that did not become runs (e.g. merged into another) must not linger.
        var kept = runs.Select(r => r.Id).ToHashSet();
        _store.Backend.DeleteChunksOf(ImportId, _runIds.Where(id => !kept.Contains(id)));
        _store.Commit(ImportId, runs, uploads, replacedRunIds ?? []);
        _done = true;
        _store.SavePyramids(runs, _writer.WholeSeries());
        _writer.Dispose();
    }

    /// <summary>Gives a staged series to another staged run (two files of one run folder, merged).</summary>
    public void MoveSeries(string fromRunId, string toRunId, string key)
    {
        FlushBatch();
        _writer.Forget(fromRunId, key);
        _writer.Forget(toRunId, key);
        _store.Backend.MoveChunks(ImportId, fromRunId, toRunId, key);
        _runIds.Add(toRunId);
    }

    /// <summary>Forgets a staged series (a copy of one another file of the run already has).</summary>
    public void DropSeries(string runId, string key)
    {
        FlushBatch();
        _writer.Forget(runId, key);
        _store.Backend.DeleteChunks(ImportId, runId, key);
    }

    public void Discard(RunDraft run, string key, int fromSequence)
    {
        _batch.RemoveAll(w => w.RunId == run.Id && w.Chunk.Key == key && w.Chunk.Sequence >= fromSequence);
        _writer.Drain();
        _writer.Forget(run.Id, key);
        _store.Backend.DeleteChunksFrom(ImportId, run.Id, key, fromSequence);
    }

    /// <summary>Waits until the chunks handed to the writer thread so far are in the database.</summary>
    internal void WaitForWrites() => _writer.Drain();

    /// <summary>Drops everything written so far.</summary>
    public void Abort()
    {
        if (_done) return;
        _batch.Clear();
        _writer.Drain(rethrow: false);
        _store.Backend.DeleteChunksOf(ImportId, _runIds);
        _store.Backend.ForgetPending(ImportId);
        _done = true;
        _writer.Dispose();
    }

    /// <summary>Hands the batch to the writer thread; returns once it is queued (at most one more batch waits).</summary>
    private void QueueBatch()
    {
        if (_batch.Count == 0) return;
        _writer.Enqueue(_batch);
        _batch = new List<SeriesChunkWrite>(BatchSize);
    }

    /// <summary>Every chunk written so far is in the database (before anything reads, moves or deletes chunks).</summary>
    private void FlushBatch()
    {
        QueueBatch();
        _writer.Drain();
    }

    public void Dispose()
    {
        Abort();
        _writer.Dispose();
    }
}
