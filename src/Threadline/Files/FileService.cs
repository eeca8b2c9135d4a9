using Threadline.Domain;
using Threadline.Storage;

namespace Threadline.Files;

/// <summary>Uploads, reads and deletes files. The bytes are written before the row, and removed after it.</summary>
internal sealed partial class FileService(IStore store, IFileContent content, FilesOptions options, TimeProvider time, ILogger<FileService> logger)
{
    /// <summary>Stores an upload's bytes under a new id; the file exists once <see cref="CreateAsync"/> records it.</summary>
    public async Task<(string Id, long Bytes)> WriteContentAsync(Stream body, CancellationToken ct)
    {
        var id = Ids.File();
        return (id, await content.WriteAsync(id, body, options.MaxBytes, ct));
    }

    /// <summary>Bytes written for an upload that was then refused.</summary>
    public Task DiscardContentAsync(string fileId) => content.DeleteAsync(fileId, CancellationToken.None);

    public async Task<StoredFile> CreateAsync(string projectId, string fileId, long bytes, string filename, string purpose, long? expiresAfterSeconds, CancellationToken ct)
    {
        var now = time.UnixSeconds();
        var file = new StoredFile
        {
            Id = fileId, ProjectId = projectId, CreatedAt = now, Filename = filename, Purpose = purpose, Bytes = bytes,
            ExpiresAt = expiresAfterSeconds is { } seconds ? now + seconds : null,
        };
        try
        {
            await store.WriteAsync(async s => { await s.Files.FileInsertAsync(file); return true; }, ct);
        }
        catch
        {
            await DiscardContentAsync(fileId);
            throw;
        }
        return file;
    }

    public async Task<Outcome<StoredFile>> GetAsync(string projectId, string fileId, CancellationToken ct) =>
        await store.ReadAsync(s => s.Files.FileGetAsync(projectId, fileId), ct) is { } file ? file : new NotFound("file", fileId);

    public ValueTask<Page<StoredFile>> ListAsync(string projectId, string? purpose, PageRequest page, CancellationToken ct) =>
        store.ReadAsync(s => s.Files.FileListAsync(projectId, purpose, page), ct);

    /// <summary>Deletes the file, takes it out of every vector store, then removes its bytes.</summary>
    public async Task<Outcome<bool>> DeleteAsync(string projectId, string fileId, CancellationToken ct)
    {
        if (!await store.WriteAsync(s => s.Files.FileDeleteAsync(projectId, fileId), ct))
            return new NotFound("file", fileId);
        try
        {
            await content.DeleteAsync(fileId, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The row is gone, so nothing reads these bytes again; they only cost space.
            LogContentLeft(logger, fileId, e);
        }
        return true;
    }

    public async Task<Outcome<(StoredFile File, Stream Bytes)>> OpenAsync(string projectId, string fileId, CancellationToken ct)
    {
        if (await store.ReadAsync(s => s.Files.FileGetAsync(projectId, fileId), ct) is not { } file
            || await content.OpenReadAsync(fileId, ct) is not { } bytes)
            return new NotFound("file", fileId);
        return (file, bytes);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "The bytes of deleted file {FileId} could not be removed")]
    private static partial void LogContentLeft(ILogger logger, string fileId, Exception e);
}
