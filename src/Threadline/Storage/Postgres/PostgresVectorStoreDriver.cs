using Threadline.Domain;
using Threadline.Files;
using Threadline.Storage.Drivers;
using Threadline.VectorStores;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresVectorStoreDriver(PostgresSession s) : IVectorStoreDriver
{
    private readonly PostgresSession _session = s;

    public ValueTask VectorStoreInsertAsync(VectorStore store) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<VectorStore?> VectorStoreGetAsync(string projectId, string storeId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<Page<VectorStore>> VectorStoreListAsync(string projectId, PageRequest page) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> VectorStoreUpdateAsync(VectorStore store) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> VectorStoreDeleteAsync(string projectId, string storeId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<VectorStore>> VectorStoreListExpiredAsync(long nowSeconds, int max) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> VectorStoreFileInsertAsync(VectorStoreFile file) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<VectorStoreFile?> VectorStoreFileGetAsync(string projectId, string storeId, string fileId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<Page<VectorStoreFile>> VectorStoreFileListAsync(string projectId, string storeId, string? batchId, string? status, PageRequest page) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> VectorStoreFileAttributesSetAsync(string projectId, string storeId, string fileId, RawJson attributes) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> VectorStoreFileDeleteAsync(string projectId, string storeId, string fileId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<(string FileId, RawJson Attributes)>> VectorStoreFileAttributesListAsync(string storeId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask FileBatchInsertAsync(FileBatch batch) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<FileBatch?> FileBatchGetAsync(string projectId, string storeId, string batchId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> FileBatchCancelAsync(string projectId, string storeId, string batchId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IndexingJob?> IndexingClaimAsync(string owner, long nowMs, long leaseMs) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> IndexingExtendAsync(IndexingJob job, long untilMs) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> IndexingCompleteAsync(IndexingJob job, IReadOnlyList<ChunkInsert> chunks, long usageBytes) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> IndexingFailAsync(IndexingJob job, string code, string message) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<long?> IndexingNextDueAsync(long nowMs) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<long?> ChunksVersionGetAsync(string storeId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask ChunkVectorsReadAsync(string storeId, Action<long, string, byte[]> each) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<(long Id, double Score)>> ChunkKeywordSearchAsync(IReadOnlyList<string> storeIds, string query, int limit) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<ChunkText>> ChunkTextsAsync(IReadOnlyList<long> ids) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<string>> ChunkTextsOfFileAsync(string storeId, string fileId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
}
