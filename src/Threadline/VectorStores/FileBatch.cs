namespace Threadline.VectorStores;

/// <summary>Files added to a store in one request; its status follows its files unless it was cancelled.</summary>
internal sealed record FileBatch
{
    public required string Id { get; init; }
    public required string VectorStoreId { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public bool Cancelled { get; init; }
    public FileCounts Counts { get; init; } = FileCounts.None;

    public string Status => Cancelled ? "cancelled" : Counts.InProgress > 0 ? "in_progress" : "completed";
}
