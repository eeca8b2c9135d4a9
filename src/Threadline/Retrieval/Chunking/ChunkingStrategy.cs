namespace Threadline.Retrieval;

/// <summary>
/// The hosted <c>static</c> chunking strategy: windows of <see cref="MaxChunkSizeTokens"/> o200k_base tokens,
/// each overlapping the one before by <see cref="ChunkOverlapTokens"/>. <see cref="Auto"/> is what the hosted
/// API used when none was given.
/// </summary>
internal sealed record ChunkingStrategy(int MaxChunkSizeTokens, int ChunkOverlapTokens)
{
    public const int MinChunkSizeTokens = 100;
    public const int MaxAllowedChunkSizeTokens = 4096;

    public static readonly ChunkingStrategy Auto = new(800, 400);

    /// <summary>The hosted API's limits, as its 400 message, or null when the strategy is usable.</summary>
    public string? Problem()
    {
        if (MaxChunkSizeTokens is < MinChunkSizeTokens or > MaxAllowedChunkSizeTokens)
            return $"max_chunk_size_tokens must be between {MinChunkSizeTokens} and {MaxAllowedChunkSizeTokens}.";
        if (ChunkOverlapTokens < 0)
            return "chunk_overlap_tokens must be at least 0.";
        if (ChunkOverlapTokens > MaxChunkSizeTokens / 2)
            return "chunk_overlap_tokens must not exceed half of max_chunk_size_tokens.";
        return null;
    }
}
