using Threadline.Domain;

namespace Threadline.Retrieval.Search;

/// <summary>A search over some of a project's vector stores: one or more phrasings of the question.</summary>
internal sealed record SearchQuery(
    string ProjectId, IReadOnlyList<string> StoreIds, IReadOnlyList<string> Queries, int MaxResults, double ScoreThreshold, AttributeFilter? Filter)
{
    /// <summary>How keyword and vector rankings are weighed; tests measure each part alone.</summary>
    public FusionWeights Weights { get; init; } = FusionWeights.Default;
}

/// <summary>One chunk found, with its file and a score in [0, 1].</summary>
internal sealed record SearchHit(long ChunkId, string VectorStoreId, string FileId, string Filename, double Score, string Text, RawJson Attributes);
