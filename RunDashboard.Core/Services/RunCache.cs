using RunDashboard.Core.Storage;

namespace RunDashboard.Core.Services;

/// <summary>
/// Results computed from a run's stored data, kept while they are used: bounded by entry count and by an estimate of
/// their bytes, least recently used first out, and dropped for the runs a <see cref="RunStore.RunsChanged"/> names
/// (their data changed or they were deleted), so an entry of an old version never outlives the next change.
/// Safe for concurrent pages: one lock around a dictionary and a recency list, each operation a few pointer moves.
/// </summary>
public sealed class RunCache<TKey, TValue> where TKey : notnull
{
    private readonly record struct Entry(TKey Key, string RunId, TValue Value, long Bytes);

    private readonly Func<TKey, string> _runOf;
    private readonly Func<TValue, long> _sizeOf;
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _recency = new();
    private readonly Lock _lock = new();

    public RunCache(RunStore store, int maxEntries, long maxBytes, Func<TKey, string> runOf, Func<TValue, long> sizeOf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        (MaxEntries, MaxBytes, _runOf, _sizeOf) = (maxEntries, maxBytes, runOf, sizeOf);
        store.RunsChanged += ForgetRuns;
    }

    public int MaxEntries { get; }
    public long MaxBytes { get; }

    public int Count
    {
        get { lock (_lock) return _entries.Count; }
    }

    /// <summary>Estimated bytes of the values kept.</summary>
    public long Bytes { get; private set; }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    /// <summary>Keeps a value, then drops the least recently used entries until both bounds hold; a value larger than the byte bound alone is not kept.</summary>
    public void Add(TKey key, TValue value)
    {
        var bytes = _sizeOf(value);
        if (bytes > MaxBytes) return;
        lock (_lock)
        {
            if (_entries.Remove(key, out var old)) Drop(old);
            var node = _recency.AddFirst(new Entry(key, _runOf(key), value, bytes));
            _entries[key] = node;
            Bytes += bytes;
            while (_entries.Count > MaxEntries || Bytes > MaxBytes)
            {
                var oldest = _recency.Last!;
                _entries.Remove(oldest.Value.Key);
                Drop(oldest);
            }
        }
    }

    /// <summary>Drops every entry of these runs.</summary>
    public void ForgetRuns(IReadOnlyList<string> runIds)
    {
        var ids = runIds.ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            for (var node = _recency.First; node is not null;)
            {
                var next = node.Next;
                if (ids.Contains(node.Value.RunId))
                {
                    _entries.Remove(node.Value.Key);
                    Drop(node);
                }
                node = next;
            }
        }
    }

    private void Drop(LinkedListNode<Entry> node)
    {
        _recency.Remove(node);
        Bytes -= node.Value.Bytes;
    }
}
