using Threadline.Domain;
using Threadline.Retrieval;

namespace Threadline.VectorStores;

/// <summary>A file in a vector store, and its place in the indexing queue while it is <c>in_progress</c>.</summary>
internal sealed record VectorStoreFile
{
    public required string VectorStoreId { get; init; }
    public required string FileId { get; init; }
    public required string ProjectId { get; init; }
    public required long CreatedAt { get; init; }
    public string Status { get; init; } = VectorStoreFileStatus.InProgress;
    public string? LastErrorCode { get; init; }
    public string? LastErrorMessage { get; init; }
    public long UsageBytes { get; init; }
    public required ChunkingStrategy Chunking { get; init; }
    public required RawJson Attributes { get; init; }
    public string? BatchId { get; init; }
}

internal static class VectorStoreFileStatus
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}
