using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Encodes and inserts an import's chunk batches on its own thread, so parsing (one core) and encoding plus database
/// writes (the other) overlap. The queue holds one batch: the parser waits when the writer falls behind, which
/// bounds memory at about two batches of points. Encoded chunks are small, so they are gathered and inserted in
/// few large transactions: each commit of the database flushes its file to disk, and on this kind of machine a
/// flush costs tens of milliseconds of waiting, which per batch of 128 chunks made the parser wait most of the
/// import. An insert that fails is rethrown to the parser at its next call.
/// </summary>
internal sealed class ChunkWriter : IDisposable
{
    private readonly IStorageBackend _store;
    private readonly string _importId;
    private readonly Handoff<List<SeriesChunkWrite>> _queue = new(capacity: 1);

    /// <summary>Encoded chunks per insert: 2,048 chunks are 8 M points, a few megabytes encoded.</summary>
    private const int ChunksPerInsert = 2048;

    /// <summary>Encoded bytes per insert, whichever comes first (series that encode poorly).</summary>
    private const long BytesPerInsert = 16L * 1024 * 1024;

    /// <summary>Queued after the last batch when the caller needs everything in the database (it is never inserted).</summary>
    private static readonly List<SeriesChunkWrite> FlushMarker = [];

    private readonly List<EncodedChunk> _encoded = [];
    private long _encodedBytes;
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
        _queue.Add(batch, CancellationToken.None);
    }

    /// <summary>Waits until every queued batch is inserted (or failed).</summary>
    public void Drain(bool rethrow = true)
    {
        lock (_gate) _pending++;
        _queue.Add(FlushMarker, CancellationToken.None);
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
        while (_queue.TryTake(out var batch, CancellationToken.None))
        {
            try
            {
                if (_failure is null)
                {
                    foreach (var write in batch)
                    {
                        var encoded = EncodedChunk.Of(write);
                        _encoded.Add(encoded);
                        _encodedBytes += encoded.Blobs.Length;
                        var key = (write.RunId, write.Chunk.Key);
                        lock (_entries)
                        {
                            if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = [];
                            list.Add((write.Chunk.Sequence, SeriesPyramid.Entry.Of(encoded.Id, write.Chunk)));
                        }
                    }
                    if (ReferenceEquals(batch, FlushMarker) || _encoded.Count >= ChunksPerInsert || _encodedBytes >= BytesPerInsert) InsertEncoded();
                }
                else
                {
                    _encoded.Clear();
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

    private void InsertEncoded()
    {
        if (_encoded.Count == 0) return;
        _store.InsertChunks(_importId, _encoded);
        _encoded.Clear();
        _encodedBytes = 0;
    }

    private bool _disposed;

    /// <summary>Stops the thread once the queue is empty; safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _queue.Complete();
        _thread.Join();
    }
}
