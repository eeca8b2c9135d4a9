using Threadline.Domain;
using Threadline.Files;
using Threadline.Storage.Drivers;
using Threadline.VectorStores;

namespace Threadline.Storage.Postgres;

internal sealed class PostgresFileDriver(PostgresSession s) : IFileDriver
{
    private readonly PostgresSession _session = s;

    public ValueTask FileInsertAsync(StoredFile file) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<StoredFile?> FileGetAsync(string projectId, string fileId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<Page<StoredFile>> FileListAsync(string projectId, string? purpose, PageRequest page) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<bool> FileDeleteAsync(string projectId, string fileId) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
    public ValueTask<IReadOnlyList<StoredFile>> FileListExpiredAsync(long nowSeconds, int max) => throw new NotSupportedException("Files and vector stores are not yet on PostgreSQL.");
}
