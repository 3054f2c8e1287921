using System.Collections.Concurrent;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Encodes and inserts an import's chunk batches on its own thread, so parsing (one core) and encoding plus database
/// writes (the other) overlap. The queue holds one batch: the parser waits when the writer falls behind, which
/// bounds memory at about two batches of points. An insert that fails is rethrown to the parser at its next call.
/// </summary>
internal sealed class ChunkWriter : IDisposable
{
    private readonly IStorageBackend _store;
    private readonly string _importId;
    private readonly BlockingCollection<List<SeriesChunkWrite>> _queue = new(boundedCapacity: 1);
    private readonly Thread _thread;
    private readonly object _gate = new();
    private int _pending;
    private Exception? _failure;

    public ChunkWriter(IStorageBackend store, string importId)
    {
        _store = store;
        _importId = importId;
        _thread = new Thread(Run) { IsBackground = true, Name = "chunk writer " + importId };
        _thread.Start();
    }

    /// <summary>Pyramid lines of the chunks inserted so far, by staged series, with their sequence numbers.</summary>
    private readonly Dictionary<(string RunId, string Key), List<(int Seq, SeriesPyramid.Entry Entry)>> _entries = [];

    /// <summary>
    /// The pyramid lines of series written whole by this import: sequence numbers 0, 1, 2… with none missing
    /// (an append to a stored series starts later, and is left to the lazy rebuild).
    /// </summary>
    public Dictionary<(string RunId, string Key), List<SeriesPyramid.Entry>> WholeSeries()
    {
        lock (_entries)
        {
            var result = new Dictionary<(string RunId, string Key), List<SeriesPyramid.Entry>>();
            foreach (var (key, list) in _entries)
            {
                var ordered = list.OrderBy(e => e.Seq).ToList();
                if (ordered.Select((e, i) => e.Seq == i).All(x => x)) result[key] = ordered.Select(e => e.Entry).ToList();
            }
            return result;
        }
    }

    /// <summary>A series was moved, dropped or cut: its lines no longer describe stored chunks.</summary>
    public void Forget(string runId, string key)
    {
        lock (_entries) _entries.Remove((runId, key));
    }

    public void Enqueue(List<SeriesChunkWrite> batch)
    {
        ThrowIfFailed();
        lock (_gate) _pending++;
        _queue.Add(batch);
    }

    /// <summary>Waits until every queued batch is inserted (or failed).</summary>
    public void Drain(bool rethrow = true)
    {
        lock (_gate)
        {
            while (_pending > 0) Monitor.Wait(_gate);
        }
        if (rethrow) ThrowIfFailed();
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } e) throw new IOException("writing series chunks failed: " + e.Message, e);
    }

    private void Run()
    {
        foreach (var batch in _queue.GetConsumingEnumerable())
        {
            try
            {
                if (_failure is null)
                {
                    var ids = _store.InsertChunks(_importId, batch);
                    lock (_entries)
                    {
                        for (var i = 0; i < batch.Count; i++)
                        {
                            var (runId, chunk) = batch[i];
                            var key = (runId, chunk.Key);
                            if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = [];
                            list.Add((chunk.Sequence, SeriesPyramid.Entry.Of(ids[i], chunk)));
                        }
                    }
                }
            }
            catch (Exception e)
            {
                _failure ??= e;
            }
            finally
            {
                lock (_gate)
                {
                    _pending--;
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    private bool _disposed;

    /// <summary>Stops the thread once the queue is empty; safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }
}
