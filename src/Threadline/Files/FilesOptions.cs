namespace Threadline.Files;

/// <summary>The <c>Threadline:Files</c> section.</summary>
internal sealed class FilesOptions
{
    public const string Section = "Threadline:Files";

    /// <summary>Uploads larger than this answer 413. Default 512 MiB, as hosted.</summary>
    public long MaxBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// Where the bytes of files are kept. Default: <c>files/</c> in the data directory on SQLite; in the
    /// database itself on PostgreSQL, so that every node reads them (set a directory on a shared volume
    /// to keep them out of the database).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>How long an indexer holds a file before another node may take it over (renewed while it works). Default 30 s.</summary>
    public TimeSpan IndexLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Files indexed at once per process. Default 1: embedding is CPU-bound and runs share the cores.</summary>
    public int IndexConcurrency { get; set; } = 1;

    /// <summary>Attempts before a file that keeps failing (a crash while indexing it, say) ends <c>failed</c>.</summary>
    public int MaxIndexAttempts { get; set; } = 3;

    public string? Problem() =>
        MaxBytes < 1 ? "Threadline:Files:MaxBytes must be positive."
        : IndexLease < TimeSpan.FromSeconds(1) ? "Threadline:Files:IndexLease must be at least 1 second."
        : IndexConcurrency is < 1 or > 64 ? "Threadline:Files:IndexConcurrency must be from 1 to 64."
        : MaxIndexAttempts is < 1 or > 100 ? "Threadline:Files:MaxIndexAttempts must be from 1 to 100."
        : null;
}
