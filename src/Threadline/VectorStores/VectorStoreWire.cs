using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Threadline.Domain;
using Threadline.Retrieval;

namespace Threadline.VectorStores;

internal sealed record FileCountsObject(int InProgress, int Completed, int Failed, int Cancelled, int Total)
{
    public static FileCountsObject From(FileCounts c) => new(c.InProgress, c.Completed, c.Failed, c.Cancelled, c.Total);
}

internal sealed record ExpiresAfterObject(string Anchor, int Days);

internal sealed record VectorStoreObject(
    string Id, long CreatedAt, string Name, long UsageBytes, FileCountsObject FileCounts, string Status,
    ExpiresAfterObject? ExpiresAfter, long? ExpiresAt, long? LastActiveAt, RawJson Metadata)
{
    [JsonPropertyOrder(-1)] public string Object => "vector_store";

    public static VectorStoreObject From(VectorStore v, long nowSeconds) => new(
        v.Id, v.CreatedAt, v.Name, v.UsageBytes, FileCountsObject.From(v.Counts), v.Status(nowSeconds),
        v.ExpiresAfterDays is { } days ? new ExpiresAfterObject("last_active_at", days) : null, v.ExpiresAt, v.LastActiveAt, v.Metadata);
}

internal sealed record StaticChunkingObject(int MaxChunkSizeTokens, int ChunkOverlapTokens);

internal sealed record ChunkingStrategyObject(string Type, StaticChunkingObject Static)
{
    public static ChunkingStrategyObject From(ChunkingStrategy c) => new("static", new(c.MaxChunkSizeTokens, c.ChunkOverlapTokens));
}

internal sealed record LastErrorObject(string Code, string Message);

internal sealed record VectorStoreFileObject(
    string Id, long UsageBytes, long CreatedAt, string VectorStoreId, string Status, LastErrorObject? LastError,
    ChunkingStrategyObject ChunkingStrategy, RawJson Attributes)
{
    [JsonPropertyOrder(-1)] public string Object => "vector_store.file";

    public static VectorStoreFileObject From(VectorStoreFile f) => new(
        f.FileId, f.UsageBytes, f.CreatedAt, f.VectorStoreId, f.Status,
        f.LastErrorCode is { } code ? new LastErrorObject(code, f.LastErrorMessage ?? "") : null,
        ChunkingStrategyObject.From(f.Chunking), f.Attributes);
}

internal sealed record FileBatchObject(string Id, long CreatedAt, string VectorStoreId, string Status, FileCountsObject FileCounts)
{
    [JsonPropertyOrder(-1)] public string Object => "vector_store.files_batch";

    public static FileBatchObject From(FileBatch b) => new(b.Id, b.CreatedAt, b.VectorStoreId, b.Status, FileCountsObject.From(b.Counts));
}

internal sealed record ContentTextObject(string Text)
{
    [JsonPropertyOrder(-1)] public string Type => "text";
}

/// <summary>A page of the parsed text of a store's file, or of search results: always one page.</summary>
internal sealed record FileContentPage(IReadOnlyList<ContentTextObject> Data)
{
    [JsonPropertyOrder(-1)] public string Object => "vector_store.file_content.page";
    public bool HasMore => false;
    public string? NextPage => null;
}

internal sealed record SearchResultObject(string FileId, string Filename, double Score, RawJson Attributes, IReadOnlyList<ContentTextObject> Content);

internal sealed record SearchResultsPage(IReadOnlyList<string> SearchQuery, IReadOnlyList<SearchResultObject> Data)
{
    [JsonPropertyOrder(-1)] public string Object => "vector_store.search_results.page";
    public bool HasMore => false;
    public string? NextPage => null;
}

// :: Requests

internal sealed class StaticChunkingRequest
{
    public int? MaxChunkSizeTokens { get; init; }
    public int? ChunkOverlapTokens { get; init; }
}

internal sealed class ChunkingStrategyRequest
{
    public string? Type { get; init; }
    public StaticChunkingRequest? Static { get; init; }
}

internal sealed class ExpiresAfterRequest
{
    public string? Anchor { get; init; }
    public int? Days { get; init; }
}

internal sealed class VectorStoreRequest
{
    public List<string>? FileIds { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public ExpiresAfterRequest? ExpiresAfter { get; init; }
    public ChunkingStrategyRequest? ChunkingStrategy { get; init; }
    public Dictionary<string, string>? Metadata { get; init; }
}

internal sealed class VectorStoreFileRequest
{
    public string? FileId { get; init; }
    public ChunkingStrategyRequest? ChunkingStrategy { get; init; }
    public JsonObject? Attributes { get; init; }
}

internal sealed class FileBatchRequest
{
    public List<string>? FileIds { get; init; }
    public List<VectorStoreFileRequest>? Files { get; init; }
    public ChunkingStrategyRequest? ChunkingStrategy { get; init; }
    public JsonObject? Attributes { get; init; }
}

internal sealed class AttributesRequest
{
    public JsonObject? Attributes { get; init; }
}

internal sealed class RankingOptionsRequest
{
    public string? Ranker { get; init; }
    public double? ScoreThreshold { get; init; }
}

internal sealed class SearchRequest
{
    public JsonNode? Query { get; init; }
    public bool? RewriteQuery { get; init; }
    public int? MaxNumResults { get; init; }
    public JsonObject? Filters { get; init; }
    public RankingOptionsRequest? RankingOptions { get; init; }
}
