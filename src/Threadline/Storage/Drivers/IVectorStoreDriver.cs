using Threadline.Domain;
using Threadline.VectorStores;

namespace Threadline.Storage.Drivers;

/// <summary>Vector stores, their files and batches, the indexing queue, and the chunks search reads.</summary>
internal interface IVectorStoreDriver
{
    ValueTask VectorStoreInsertAsync(VectorStore store);

    /// <summary>The store with its <see cref="VectorStore.Counts"/> and <see cref="VectorStore.UsageBytes"/>.</summary>
    ValueTask<VectorStore?> VectorStoreGetAsync(string projectId, string storeId);
    ValueTask<Page<VectorStore>> VectorStoreListAsync(string projectId, PageRequest page);

    /// <summary>Writes name, description, metadata, expiry and last activity.</summary>
    ValueTask<bool> VectorStoreUpdateAsync(VectorStore store);

    /// <summary>Deletes the store with its files, batches and chunks.</summary>
    ValueTask<bool> VectorStoreDeleteAsync(string projectId, string storeId);

    /// <summary>Stores whose <c>expires_at</c> has passed (the janitor deletes them).</summary>
    ValueTask<IReadOnlyList<VectorStore>> VectorStoreListExpiredAsync(long nowSeconds, int max);

    /// <summary>Adds the file to the store's queue; false (and nothing written) if the store already has it.</summary>
    ValueTask<bool> VectorStoreFileInsertAsync(VectorStoreFile file);
    ValueTask<VectorStoreFile?> VectorStoreFileGetAsync(string projectId, string storeId, string fileId);

    /// <summary>The store's files, of one batch and one status when given, paged by the order they were added.</summary>
    ValueTask<Page<VectorStoreFile>> VectorStoreFileListAsync(string projectId, string storeId, string? batchId, string? status, PageRequest page);
    ValueTask<bool> VectorStoreFileAttributesSetAsync(string projectId, string storeId, string fileId, RawJson attributes);

    /// <summary>Removes the file from the store with its chunks; the store's <c>chunks_version</c> moves if it had any.</summary>
    ValueTask<bool> VectorStoreFileDeleteAsync(string projectId, string storeId, string fileId);

    /// <summary>Attributes of the store's completed files, for filters.</summary>
    ValueTask<IReadOnlyList<(string FileId, RawJson Attributes)>> VectorStoreFileAttributesListAsync(string storeId);

    ValueTask FileBatchInsertAsync(FileBatch batch);

    /// <summary>The batch with its <see cref="FileBatch.Counts"/>.</summary>
    ValueTask<FileBatch?> FileBatchGetAsync(string projectId, string storeId, string batchId);

    /// <summary>Marks the batch cancelled and its files still in progress cancelled (a file in progress has no chunks yet).</summary>
    ValueTask<bool> FileBatchCancelAsync(string projectId, string storeId, string batchId);

    /// <summary>
    /// Claims the oldest file in progress that no live lease holds, for <paramref name="owner"/> until
    /// now + <paramref name="leaseMs"/>, counting the attempt.
    /// </summary>
    ValueTask<IndexingJob?> IndexingClaimAsync(string owner, long nowMs, long leaseMs);

    /// <summary>Extends the lease while the owner still holds it; false once another has taken the file, or it left the queue.</summary>
    ValueTask<bool> IndexingExtendAsync(IndexingJob job, long untilMs);

    /// <summary>
    /// Replaces the file's chunks and marks it completed, if <paramref name="job"/>'s owner still holds it; a store whose
    /// model was left to indexing (<see cref="VectorStore.ModelChosenAtIndexing"/>) takes <paramref name="embeddingModel"/>.
    /// </summary>
    ValueTask<bool> IndexingCompleteAsync(IndexingJob job, IReadOnlyList<ChunkInsert> chunks, long usageBytes, string embeddingModel);

    /// <summary>Marks the file failed with <paramref name="code"/>, if the owner still holds it.</summary>
    ValueTask<bool> IndexingFailAsync(IndexingJob job, string code, string message);

    /// <summary>When a claim could next find work: now if a file waits unlocked, else the earliest lease to lapse; null if none.</summary>
    ValueTask<long?> IndexingNextDueAsync(long nowMs);

    /// <summary>Moves each time the store's chunks change, so that caches of its vectors know to reload.</summary>
    ValueTask<long?> ChunksVersionGetAsync(string storeId);

    /// <summary>Every chunk vector of the store, in id order.</summary>
    ValueTask ChunkVectorsReadAsync(string storeId, Action<long, string, byte[]> each);

    /// <summary>Chunks of the stores matching the words of <paramref name="query"/> (free text, made safe by the driver), best first, with a score (higher is better).</summary>
    ValueTask<IReadOnlyList<(long Id, double Score)>> ChunkKeywordSearchAsync(IReadOnlyList<string> storeIds, string query, int limit);

    ValueTask<IReadOnlyList<ChunkText>> ChunkTextsAsync(IReadOnlyList<long> ids);

    /// <summary>The file's chunks in the store, in order (the parsed content endpoint).</summary>
    ValueTask<IReadOnlyList<string>> ChunkTextsOfFileAsync(string storeId, string fileId);
}

/// <summary>A claimed file: who holds it, and the <paramref name="Attempt"/> it is.</summary>
internal sealed record IndexingJob(VectorStoreFile File, string EmbeddingModel, string Filename, string Owner, int Attempt);

internal sealed record ChunkInsert(int Index, string Text, int Tokens, byte[] Embedding);

internal sealed record ChunkText(long Id, string VectorStoreId, string FileId, string Filename, string Text, RawJson Attributes);
