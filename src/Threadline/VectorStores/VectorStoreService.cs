using Threadline.Domain;
using Threadline.Retrieval;
using Threadline.Storage;

namespace Threadline.VectorStores;

/// <summary>
/// Vector stores and the files in them. Adding a file only queues it (<c>in_progress</c>): the
/// <see cref="Retrieval.Indexing.FileIndexer"/> of some node extracts, chunks and embeds it.
/// </summary>
internal sealed class VectorStoreService(IStore store)
{
    private const long SecondsPerDay = 86_400;

    public Task<Outcome<VectorStore>> CreateAsync(string projectId, VectorStoreSettings settings, CancellationToken ct) =>
        store.WriteAsync<Outcome<VectorStore>>(async s =>
        {
            var now = s.NowMs / 1000;
            var created = new VectorStore
            {
                Id = Ids.VectorStore(), ProjectId = projectId, CreatedAt = now, Name = settings.Name ?? "", Description = settings.Description,
                Metadata = settings.Metadata ?? RawJson.EmptyObject, ExpiresAfterDays = settings.ExpiresAfterDays, LastActiveAt = now,
                ExpiresAt = ExpiryAt(now, settings.ExpiresAfterDays), EmbeddingModel = VectorStore.ModelChosenAtIndexing,
            };
            if (await MissingFileAsync(s, projectId, settings.Files) is { } missing)
                return missing;
            await s.VectorStores.VectorStoreInsertAsync(created);
            await AddAsync(s, created, settings.Files, batchId: null);
            return (await s.VectorStores.VectorStoreGetAsync(projectId, created.Id))!;
        }, ct);

    public async Task<Outcome<VectorStore>> GetAsync(string projectId, string storeId, CancellationToken ct) =>
        await store.ReadAsync(s => s.VectorStores.VectorStoreGetAsync(projectId, storeId), ct) is { } found ? found : new NotFound("vector store", storeId);

    public ValueTask<Page<VectorStore>> ListAsync(string projectId, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.VectorStores.VectorStoreListAsync(projectId, page), ct);

    public Task<Outcome<VectorStore>> UpdateAsync(string projectId, string storeId, VectorStoreSettings settings, CancellationToken ct) =>
        store.WriteAsync<Outcome<VectorStore>>(async s =>
        {
            if (await s.VectorStores.VectorStoreGetAsync(projectId, storeId) is not { } current)
                return new NotFound("vector store", storeId);
            var days = settings.ClearExpiry ? null : settings.ExpiresAfterDays ?? current.ExpiresAfterDays;
            var updated = current with
            {
                Name = settings.Name ?? current.Name,
                Description = settings.Description ?? current.Description,
                Metadata = settings.Metadata ?? current.Metadata,
                ExpiresAfterDays = days,
                ExpiresAt = ExpiryAt(current.LastActiveAt, days),
            };
            await s.VectorStores.VectorStoreUpdateAsync(updated);
            return updated;
        }, ct);

    public async Task<Outcome<bool>> DeleteAsync(string projectId, string storeId, CancellationToken ct) =>
        await store.WriteAsync(s => s.VectorStores.VectorStoreDeleteAsync(projectId, storeId), ct) ? true : new NotFound("vector store", storeId);

    public Task<Outcome<VectorStoreFile>> AddFileAsync(string projectId, string storeId, FileToAdd file, CancellationToken ct) =>
        store.WriteAsync<Outcome<VectorStoreFile>>(async s =>
        {
            if (await s.VectorStores.VectorStoreGetAsync(projectId, storeId) is not { } vs)
                return new NotFound("vector store", storeId);
            if (await MissingFileAsync(s, projectId, [file]) is { } missing)
                return missing;
            await AddAsync(s, vs, [file], batchId: null);
            return (await s.VectorStores.VectorStoreFileGetAsync(projectId, storeId, file.FileId))!;
        }, ct);

    public async Task<Outcome<VectorStoreFile>> GetFileAsync(string projectId, string storeId, string fileId, CancellationToken ct) =>
        await store.ReadAsync(s => s.VectorStores.VectorStoreFileGetAsync(projectId, storeId, fileId), ct) is { } found
            ? found
            : new NotFound("file", fileId);

    public async Task<Outcome<Page<VectorStoreFile>>> ListFilesAsync(string projectId, string storeId, string? batchId, string? status, PageRequest page, CancellationToken ct) =>
        await store.ReadAsync<Outcome<Page<VectorStoreFile>>>(async s =>
        {
            if (await s.VectorStores.VectorStoreGetAsync(projectId, storeId) is null)
                return new NotFound("vector store", storeId);
            if (batchId is not null && await s.VectorStores.FileBatchGetAsync(projectId, storeId, batchId) is null)
                return new NotFound("vector store file batch", batchId);
            return await s.VectorStores.VectorStoreFileListAsync(projectId, storeId, batchId, status, page);
        }, ct);

    public Task<Outcome<VectorStoreFile>> SetAttributesAsync(string projectId, string storeId, string fileId, RawJson attributes, CancellationToken ct) =>
        store.WriteAsync<Outcome<VectorStoreFile>>(async s =>
            await s.VectorStores.VectorStoreFileAttributesSetAsync(projectId, storeId, fileId, attributes)
                ? (await s.VectorStores.VectorStoreFileGetAsync(projectId, storeId, fileId))!
                : new NotFound("file", fileId), ct);

    /// <summary>Takes the file out of the store; the file itself stays.</summary>
    public async Task<Outcome<bool>> RemoveFileAsync(string projectId, string storeId, string fileId, CancellationToken ct) =>
        await store.WriteAsync(s => s.VectorStores.VectorStoreFileDeleteAsync(projectId, storeId, fileId), ct) ? true : new NotFound("file", fileId);

    /// <summary>The file's text as the store parsed it: its chunks in order, overlaps and all.</summary>
    public async Task<Outcome<IReadOnlyList<string>>> FileContentAsync(string projectId, string storeId, string fileId, CancellationToken ct) =>
        await store.ReadAsync<Outcome<IReadOnlyList<string>>>(async s =>
            await s.VectorStores.VectorStoreFileGetAsync(projectId, storeId, fileId) is null
                ? new NotFound("file", fileId)
                : Outcome<IReadOnlyList<string>>.Of(await s.VectorStores.ChunkTextsOfFileAsync(storeId, fileId)), ct);

    public Task<Outcome<FileBatch>> CreateBatchAsync(string projectId, string storeId, IReadOnlyList<FileToAdd> files, CancellationToken ct) =>
        store.WriteAsync<Outcome<FileBatch>>(async s =>
        {
            if (await s.VectorStores.VectorStoreGetAsync(projectId, storeId) is not { } vs)
                return new NotFound("vector store", storeId);
            if (await MissingFileAsync(s, projectId, files) is { } missing)
                return missing;
            var batch = new FileBatch { Id = Ids.FileBatch(), VectorStoreId = storeId, ProjectId = projectId, CreatedAt = s.NowMs / 1000 };
            await s.VectorStores.FileBatchInsertAsync(batch);
            await AddAsync(s, vs, files, batch.Id);
            return (await s.VectorStores.FileBatchGetAsync(projectId, storeId, batch.Id))!;
        }, ct);

    public async Task<Outcome<FileBatch>> GetBatchAsync(string projectId, string storeId, string batchId, CancellationToken ct) =>
        await store.ReadAsync(s => s.VectorStores.FileBatchGetAsync(projectId, storeId, batchId), ct) is { } found
            ? found
            : new NotFound("vector store file batch", batchId);

    /// <summary>Cancels the files of the batch not yet indexed; those already indexed stay.</summary>
    public Task<Outcome<FileBatch>> CancelBatchAsync(string projectId, string storeId, string batchId, CancellationToken ct) =>
        store.WriteAsync<Outcome<FileBatch>>(async s =>
            await s.VectorStores.FileBatchCancelAsync(projectId, storeId, batchId)
                ? (await s.VectorStores.FileBatchGetAsync(projectId, storeId, batchId))!
                : new NotFound("vector store file batch", batchId), ct);

    /// <summary>
    /// The first file that is not the project's, looked up before anything is written: a problem answered
    /// from inside a write still commits what the write did before it.
    /// </summary>
    private static async ValueTask<Problem?> MissingFileAsync(IStoreSession s, string projectId, IReadOnlyList<FileToAdd> files)
    {
        foreach (var f in files)
            if (await s.Files.FileGetAsync(projectId, f.FileId) is null)
                return new NotFound("file", f.FileId);
        return null;
    }

    /// <summary>Queues each file (one already in the store stays as it is) and wakes the indexers.</summary>
    private static async ValueTask AddAsync(IStoreSession s, VectorStore vs, IReadOnlyList<FileToAdd> files, string? batchId)
    {
        var now = s.NowMs / 1000;
        foreach (var f in files)
            await s.VectorStores.VectorStoreFileInsertAsync(new VectorStoreFile
            {
                VectorStoreId = vs.Id, FileId = f.FileId, ProjectId = vs.ProjectId, CreatedAt = now, Chunking = f.Chunking,
                Attributes = f.Attributes, BatchId = batchId,
            });
        if (files.Count > 0)
            s.Announce(StoreChange.Indexing);
    }

    private static long? ExpiryAt(long lastActiveAt, int? days) => days is { } d ? lastActiveAt + d * SecondsPerDay : null;
}
