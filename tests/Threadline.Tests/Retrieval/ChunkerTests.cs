using System.Diagnostics;
using Threadline.Retrieval;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Retrieval;

public sealed class ChunkerTests(ITestOutputHelper output)
{
    private static string Words(int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(i => $"w{i % 1000}{(i % 17 == 16 ? "." : "")}"));

    [Fact]
    public void Token_counts_are_o200k_base()
    {
        Assert.Equal(0, Chunker.Shared.CountTokens(""));
        Assert.Equal(2, Chunker.Shared.CountTokens("Hello world"));
    }

    [Fact]
    public void Auto_windows_are_800_tokens_advancing_by_400()
    {
        var text = Words(3000);
        var total = Chunker.Shared.CountTokens(text);

        var chunks = Chunker.Shared.Split(text, ChunkingStrategy.Auto);

        // Windows start at 0, 400, 800, ...; the last is the first that reaches the end.
        var expected = total <= 800 ? 1 : (int)Math.Ceiling((total - 800) / 400.0) + 1;
        Assert.Equal(expected, chunks.Count);
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(800, c.Tokens));
        Assert.InRange(chunks[^1].Tokens, 1, 800);
        Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(c => c.Index));
        for (var i = 1; i < chunks.Count; i++)
        {
            // The second half of one window is the first half of the next.
            var previous = chunks[i - 1];
            var overlap = text[chunks[i].Start..(previous.Start + previous.Length)];
            Assert.Equal(400, Chunker.Shared.CountTokens(overlap));
        }
        Assert.EndsWith(chunks[^1].Text, text);
    }

    [Fact]
    public void Chunk_text_is_an_exact_substring_of_the_source()
    {
        var text = string.Concat(Enumerable.Repeat("Ça coûte 12,50 € 🙂 — naïve façade; 東京 tower.\n", 60));

        var chunks = Chunker.Shared.Split(text, new ChunkingStrategy(100, 50));

        Assert.True(chunks.Count > 2);
        Assert.All(chunks, c => Assert.Equal(text.Substring(c.Start, c.Length), c.Text));
        Assert.StartsWith(chunks[0].Text, text);
        Assert.EndsWith(chunks[^1].Text, text);
    }

    [Fact]
    public void A_static_100_50_strategy_gives_100_token_windows()
    {
        var text = Words(500);
        var total = Chunker.Shared.CountTokens(text);

        var chunks = Chunker.Shared.Split(text, new ChunkingStrategy(100, 50));

        Assert.Equal((int)Math.Ceiling((total - 100) / 50.0) + 1, chunks.Count);
        Assert.All(chunks.SkipLast(1), c => Assert.Equal(100, c.Tokens));
        Assert.Equal(50, Chunker.Shared.CountTokens(text[chunks[1].Start..(chunks[0].Start + chunks[0].Length)]));
    }

    [Fact]
    public void A_short_text_is_one_chunk_and_blank_text_none()
    {
        Assert.Equal("Just this.", Assert.Single(Chunker.Shared.Split("Just this.", ChunkingStrategy.Auto)).Text);
        Assert.Empty(Chunker.Shared.Split(" \n ", ChunkingStrategy.Auto));
    }

    [Theory]
    [InlineData(99, 0)]
    [InlineData(4097, 0)]
    [InlineData(800, 401)]
    [InlineData(800, -1)]
    public void Hosted_limits_are_problems(int max, int overlap) => Assert.NotNull(new ChunkingStrategy(max, overlap).Problem());

    [Fact]
    public void Ten_thousand_words_chunk_well_under_a_second()
    {
        var text = Words(10_000);
        Chunker.Shared.Split("warm up", ChunkingStrategy.Auto);

        var watch = Stopwatch.StartNew();
        var chunks = Chunker.Shared.Split(text, ChunkingStrategy.Auto);
        watch.Stop();

        output.WriteLine($"10,000 words: {chunks.Count} chunks in {watch.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{watch.Elapsed.TotalMilliseconds} ms");
    }
}
