using RunDashboard.Core.Ingest.Fast;
using RunDashboard.Core.Model;

namespace RunDashboard.Core.Storage;

/// <summary>
/// Encodes and inserts an import's chunk batches off the parsing thread: one thread encodes each batch as it
/// arrives, another inserts what was encoded, so parsing, encoding and database writes overlap. The queue holds one
/// batch: the parser waits when the encoder falls behind, which bounds memory at about two batches of points.
/// Encoded chunks are small, so they wait for the inserting thread, which takes everything encoded while its last
/// insert ran in one transaction: each commit of the database flushes its file to disk (tens of milliseconds of
/// waiting on this kind of machine), and while that happens the encoder goes on instead of holding up the parser.
/// An insert that fails is rethrown to the parser at its next call.
/// </summary>
internal sealed class ChunkWriter : IDisposable
{
    private readonly IStorageBackend _store;
    private readonly string _importId;
    private readonly Handoff<List<SeriesChunkWrite>> _queue = new(capacity: 1);

    /// <summary>
    /// Encoded bytes waiting for the inserting thread before the encoder waits for it (series that encode poorly,
    /// a slow disk): memory stays bounded whatever the import's size.
    /// </summary>
    private const long MaxWaitingBytes = 8L * 1024 * 1024;

    /// <summary>Queued after the last batch when the caller needs everything in the database (it is never inserted).</summary>
    private static readonly List<SeriesChunkWrite> FlushMarker = [];

    private readonly Thread _encoder;
    private readonly Thread _inserter;
    private readonly object _gate = new();

    /// <summary>Batches queued and not yet encoded and inserted (under <see cref="_gate"/>).</summary>
    private int _pending;

    /// <summary>Encoded chunks waiting for the inserting thread, and their bytes (under <see cref="_gate"/>).</summary>
    private List<EncodedChunk> _waiting = [];
    private long _waitingBytes;

    /// <summary>Batches whose chunks are all in <see cref="_waiting"/> or inserted, not yet counted off (under <see cref="_gate"/>).</summary>
    private int _encodedBatches;

    private bool _encoderDone;
    private Exception? _failure;

    public ChunkWriter(IStorageBackend store, string importId)
    {
        _store = store;
        _importId = importId;
        _encoder = new Thread(Encode) { IsBackground = true, Name = "chunk encoder " + importId };
        _inserter = new Thread(Insert) { IsBackground = true, Name = "chunk inserter " + importId };
        _encoder.Start();
        _inserter.Start();
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
        if (Volatile.Read(ref _failure) is { } e) throw new IOException("writing series chunks failed: " + e.Message, e);
    }

    private void Encode()
    {
        while (_queue.TryTake(out var batch, CancellationToken.None))
        {
            var encoded = new List<EncodedChunk>(batch.Count);
            long bytes = 0;
            try
            {
                if (Volatile.Read(ref _failure) is null)
                {
                    foreach (var write in batch)
                    {
                        var chunk = EncodedChunk.Of(write);
                        encoded.Add(chunk);
                        bytes += chunk.Blobs.Length;
                        var key = (write.RunId, write.Chunk.Key);
                        lock (_entries)
                        {
                            if (!_entries.TryGetValue(key, out var list)) _entries[key] = list = [];
                            list.Add((write.Chunk.Sequence, SeriesPyramid.Entry.Of(chunk.Id, write.Chunk)));
                        }
                        write.Chunk.Release();
                    }
                }
            }
            catch (Exception e)
            {
                Fail(e);
                encoded.Clear();
            }
            lock (_gate)
            {
                while (_waitingBytes >= MaxWaitingBytes && _failure is null) Monitor.Wait(_gate);
                if (_failure is null) _waiting.AddRange(encoded);
                else _waiting.Clear();
                _waitingBytes += bytes;
                _encodedBatches++;
                Monitor.PulseAll(_gate);
            }
        }
        lock (_gate)
        {
            _encoderDone = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Insert()
    {
        while (true)
        {
            List<EncodedChunk> chunks;
            int batches;
            lock (_gate)
            {
                while (_encodedBatches == 0 && !_encoderDone) Monitor.Wait(_gate);
                if (_encodedBatches == 0) return;
                chunks = _waiting;
                batches = _encodedBatches;
                _waiting = [];
                _waitingBytes = 0;
                _encodedBatches = 0;
                Monitor.PulseAll(_gate);
            }
            try
            {
                if (chunks.Count > 0 && Volatile.Read(ref _failure) is null) _store.InsertChunks(_importId, chunks);
            }
            catch (Exception e)
            {
                Fail(e);
            }
            lock (_gate)
            {
                _pending -= batches;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void Fail(Exception e)
    {
        lock (_gate)
        {
            _failure ??= e;
            Monitor.PulseAll(_gate);
        }
    }

    private bool _disposed;

    /// <summary>Stops the threads once the queue is empty; safe to call more than once.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _queue.Complete();
        _encoder.Join();
        _inserter.Join();
    }
}
