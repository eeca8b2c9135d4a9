namespace Threadline.Files;

/// <summary>Where the bytes of files live: beside the database, or in it.</summary>
internal interface IFileContent
{
    /// <summary>
    /// Stores the body as the file's bytes, durably, and answers how many there were; when there are more than
    /// <paramref name="maxBytes"/>, reads the rest to its end (so the client sees the 413, not a reset),
    /// keeps nothing, and throws <see cref="FileTooLargeException"/>.
    /// </summary>
    Task<long> WriteAsync(string fileId, Stream body, long maxBytes, CancellationToken ct);

    /// <summary>The bytes, or null when there are none.</summary>
    Task<Stream?> OpenReadAsync(string fileId, CancellationToken ct);

    Task DeleteAsync(string fileId, CancellationToken ct);
}

internal sealed class FileTooLargeException(long maxBytes) : Exception($"The file is larger than {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}
