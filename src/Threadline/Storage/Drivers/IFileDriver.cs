using Threadline.Files;

namespace Threadline.Storage.Drivers;

internal interface IFileDriver
{
    ValueTask FileInsertAsync(StoredFile file);
    ValueTask<StoredFile?> FileGetAsync(string projectId, string fileId);
    ValueTask<Page<StoredFile>> FileListAsync(string projectId, string? purpose, PageRequest page);

    /// <summary>
    /// Deletes the file's row and takes it out of every vector store (its store files and chunks); the
    /// stores it was in see a new <c>chunks_version</c>. The bytes are the caller's to remove after commit.
    /// </summary>
    ValueTask<bool> FileDeleteAsync(string projectId, string fileId);

    /// <summary>Files whose <c>expires_at</c> has passed, oldest first (the janitor deletes them as a client would).</summary>
    ValueTask<IReadOnlyList<StoredFile>> FileListExpiredAsync(long nowSeconds, int max);
}
