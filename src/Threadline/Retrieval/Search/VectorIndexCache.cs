using System.Collections.Concurrent;
using Threadline.Storage;

namespace Threadline.Retrieval.Search;

/// <summary>
/// The vectors of each store searched lately, in memory: scanning 100,000 vectors takes milliseconds,
/// reading them from the database takes far longer. An entry is good while the store's
/// <c>chunks_version</c> is the one it was read at (one indexed read per search, so every node sees
/// another node's indexing at once); the least recently used stores go when the total passes the bound.
/// </summary>
internal sealed class VectorIndexCache(IStore store, RetrievalOptions options)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    public async Task<StoreVectors?> GetAsync(string storeId, CancellationToken ct)
    {
        if (await store.ReadAsync(s => s.VectorStores.ChunksVersionGetAsync(storeId), ct) is not { } version)
            return null;
        if (_entries.TryGetValue(storeId, out var cached) && cached.Vectors.Version == version)
            return Touch(cached).Vectors;
        // One load at a time: two searches of a cold store must not read it twice, nor two stores double the peak.
        await _loading.WaitAsync(ct);
        try
        {
            if (_entries.TryGetValue(storeId, out cached) && cached.Vectors.Version == version)
                return Touch(cached).Vectors;
            var vectors = await LoadAsync(storeId, version, ct);
            _entries[storeId] = new Entry(vectors) { LastUsed = Environment.TickCount64 };
            Evict();
            return vectors;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Bytes held, for metrics and tests of the bound.</summary>
    public long Bytes => _entries.Values.Sum(e => e.Vectors.Index.Bytes);

    private async Task<StoreVectors> LoadAsync(string storeId, long version, CancellationToken ct)
    {
        VectorIndex? index = null;
        var files = new Dictionary<long, string>();
        // Read in one pass; the version is read first, so a change during the read shows as a newer version next time.
        await store.ReadAsync(async s =>
        {
            await s.VectorStores.ChunkVectorsReadAsync(storeId, (id, fileId, embedding) =>
            {
                var vector = EmbeddingBytes.ToFloats(embedding);
                index ??= new VectorIndex(vector.Length);
                index.Add(id, vector);
                files[id] = string.Intern(fileId);
            });
            return true;
        }, ct);
        return new StoreVectors(version, (index ?? new VectorIndex(1)).Freeze(), files);
    }

    private static Entry Touch(Entry e)
    {
        e.LastUsed = Environment.TickCount64;
        return e;
    }

    private void Evict()
    {
        var budget = (long)options.VectorCacheMiB * 1024 * 1024;
        foreach (var (id, _) in _entries.OrderBy(e => e.Value.LastUsed).ToList())
        {
            if (Bytes <= budget || _entries.Count <= 1)
                return;
            _entries.TryRemove(id, out _);
        }
    }

    private sealed class Entry(StoreVectors vectors)
    {
        public StoreVectors Vectors { get; } = vectors;
        public long LastUsed { get; set; }
    }
}

/// <summary>A store's vectors as of <paramref name="Version"/>, and the file of each chunk.</summary>
internal sealed record StoreVectors(long Version, VectorIndex Index, IReadOnlyDictionary<long, string> FileOfChunk);
