using Threadline.Domain;

namespace Threadline.VectorStores;

/// <summary>A collection of indexed files that <c>file_search</c> and <c>/search</c> read.</summary>
internal sealed record VectorStore
{
    public required string Id { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public string Name { get; init; } = "";
    public string? Description { get; init; }
    public required RawJson Metadata { get; init; }
    /// <summary>Days after <see cref="LastActiveAt"/> at which the store expires; null: never.</summary>
    public int? ExpiresAfterDays { get; init; }
    public long? ExpiresAt { get; init; }
    public required long LastActiveAt { get; init; }
    /// <summary>A store takes the default model when its first file is indexed, and keeps it (a change of default leaves it alone).</summary>
    public const string ModelChosenAtIndexing = "";

    /// <summary>The model that embedded every chunk of the store; queries are embedded with it too.</summary>
    public required string EmbeddingModel { get; init; }
    /// <summary>Counts and bytes of its files, computed when read.</summary>
    public FileCounts Counts { get; init; } = FileCounts.None;
    public long UsageBytes { get; init; }

    /// <summary>Used now: its expiry counts from here.</summary>
    public VectorStore Touched(long nowSeconds) => this with
    {
        LastActiveAt = nowSeconds,
        ExpiresAt = ExpiresAfterDays is { } days ? nowSeconds + days * 86_400L : null,
    };

    public string Status(long nowSeconds) =>
        ExpiresAt is { } at && at <= nowSeconds ? "expired" : Counts.InProgress > 0 ? "in_progress" : "completed";
}

internal sealed record FileCounts(int InProgress, int Completed, int Failed, int Cancelled)
{
    public static readonly FileCounts None = new(0, 0, 0, 0);

    public int Total => InProgress + Completed + Failed + Cancelled;
}
