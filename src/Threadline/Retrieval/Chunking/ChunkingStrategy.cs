namespace Threadline.Retrieval;

internal sealed record ChunkingStrategy(int MaxChunkSizeTokens, int ChunkOverlapTokens)
{
    public static readonly ChunkingStrategy Auto = new(800, 400);
}
