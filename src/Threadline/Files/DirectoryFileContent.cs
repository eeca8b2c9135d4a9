namespace Threadline.Files;

/// <summary>
/// Each file's bytes in a file of its own, named by its id. Written under a temporary name, flushed to
/// disk and then renamed, so a file is there whole or not at all (a crash leaves at most a <c>.part</c>).
/// </summary>
internal sealed class DirectoryFileContent : IFileContent
{
    private readonly string _directory;

    public DirectoryFileContent(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public async Task<long> WriteAsync(string fileId, Stream body, long maxBytes, CancellationToken ct)
    {
        var path = PathOf(fileId);
        var part = path + ".part";
        long total;
        await using (var output = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, System.IO.FileOptions.Asynchronous))
        {
            try
            {
                total = await FileBody.CopyAsync(body, output, maxBytes, ct);
            }
            catch
            {
                output.Close();
                File.Delete(part);
                throw;
            }
            output.Flush(flushToDisk: true);
        }
        File.Move(part, path, overwrite: true);
        return total;
    }

    public Task<Stream?> OpenReadAsync(string fileId, CancellationToken ct)
    {
        var path = PathOf(fileId);
        return Task.FromResult<Stream?>(File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, System.IO.FileOptions.Asynchronous)
            : null);
    }

    public Task DeleteAsync(string fileId, CancellationToken ct)
    {
        File.Delete(PathOf(fileId));
        return Task.CompletedTask;
    }

    // Ids are ours (file- and base62), never a client's path: nothing can climb out of the directory.
    private string PathOf(string fileId) => Path.Combine(_directory, fileId);
}
