using Microsoft.ML.Tokenizers;

namespace Threadline.Retrieval;

/// <summary>
/// Token counts and chunk windows in the hosted API's tokens (o200k_base). The tokenizer is loaded once
/// and is safe to share between threads.
/// </summary>
internal sealed class Chunker
{
    private static readonly Lazy<Chunker> Instance = new(() => new Chunker(TiktokenTokenizer.CreateForEncoding("o200k_base")));

    private readonly Tokenizer _tokenizer;

    private Chunker(Tokenizer tokenizer) => _tokenizer = tokenizer;

    public static Chunker Shared => Instance.Value;

    public int CountTokens(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    /// <summary>
    /// Windows of <c>MaxChunkSizeTokens</c> tokens advancing by max minus overlap, the last one possibly
    /// shorter. Each chunk's text is cut from the source at its tokens' offsets rather than decoded, so
    /// it is an exact substring.
    /// </summary>
    public IReadOnlyList<TextChunk> Split(string text, ChunkingStrategy strategy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(strategy.MaxChunkSizeTokens, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(strategy.ChunkOverlapTokens, strategy.MaxChunkSizeTokens);
        if (string.IsNullOrWhiteSpace(text)) return [];

        var tokens = _tokenizer.EncodeToTokens(text, out _);
        var step = strategy.MaxChunkSizeTokens - strategy.ChunkOverlapTokens;
        var chunks = new List<TextChunk>(tokens.Count / step + 1);
        for (var first = 0; ; first += step)
        {
            var end = Math.Min(first + strategy.MaxChunkSizeTokens, tokens.Count);
            var (start, stop) = Span(text.Length, tokens, first, end);
            chunks.Add(new TextChunk(chunks.Count, text[start..stop], end - first) { Start = start });
            if (end == tokens.Count) break;
        }
        return chunks;
    }

    // A character outside the BMP or a rare symbol can be split over two tokens that share one offset
    // range; taking the widest range over the window keeps whole characters in the chunk.
    private static (int Start, int Stop) Span(int length, IReadOnlyList<EncodedToken> tokens, int first, int end)
    {
        var start = length;
        var stop = 0;
        for (var i = first; i < end; i++)
        {
            var (offset, count) = tokens[i].Offset.GetOffsetAndLength(length);
            start = Math.Min(start, offset);
            stop = Math.Max(stop, offset + count);
        }
        return (start, Math.Max(start, stop));
    }
}
