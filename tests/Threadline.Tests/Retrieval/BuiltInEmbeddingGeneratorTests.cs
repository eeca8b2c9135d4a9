using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Threadline.Retrieval;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Retrieval;

public sealed class BuiltInEmbeddingGeneratorTests(ITestOutputHelper output)
{
    private readonly BuiltInEmbeddingGenerator _generator = new();

    private async Task<float[]> EmbedAsync(string text) => (await _generator.GenerateAsync([text]))[0].Vector.ToArray();

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.Dot(a, b);

    [Fact]
    public async Task Vectors_are_384_unit_floats_named_after_the_model()
    {
        var embeddings = await _generator.GenerateAsync(["The cat sat on the mat.", "A second sentence."]);

        Assert.Equal(2, embeddings.Count);
        Assert.All(embeddings, e =>
        {
            Assert.Equal(BuiltInEmbeddingGenerator.Dimensions, e.Vector.Length);
            Assert.Equal(1f, TensorPrimitives.Norm(e.Vector.Span), 3);
            Assert.Equal(BuiltInEmbeddingGenerator.ModelName, e.ModelId);
        });
        var metadata = _generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(BuiltInEmbeddingGenerator.ModelName, metadata?.DefaultModelId);
    }

    [Fact]
    public async Task Paraphrases_are_closer_than_unrelated_sentences()
    {
        var question = await EmbedAsync("How do I reset my password?");
        var paraphrase = await EmbedAsync("Steps to recover access when you forgot your login credentials.");
        var unrelated = await EmbedAsync("The recipe needs two cups of flour and an egg.");

        Assert.True(Cosine(question, paraphrase) > Cosine(question, unrelated) + 0.1f);
    }

    [Fact]
    public async Task A_text_longer_than_the_model_window_is_represented_whole()
    {
        // Without windows the encoder would see only the cooking half.
        var cooking = string.Concat(Enumerable.Repeat("Knead the bread dough, let it rise in a warm kitchen, then bake it in the oven. ", 25));
        var astronomy = string.Concat(Enumerable.Repeat("The telescope tracked distant galaxies and the orbit of a comet across the night sky. ", 25));

        var whole = await EmbedAsync(cooking + astronomy);
        var stars = await EmbedAsync("Observing planets and stars through a telescope.");
        var baking = await EmbedAsync("Baking bread at home.");
        var tax = await EmbedAsync("Filing a quarterly tax return for a small business.");

        Assert.True(WordPieceWindows.Shared.Split(cooking + astronomy).Count > 2);
        Assert.True(Cosine(whole, stars) > Cosine(whole, tax) + 0.1f, $"stars {Cosine(whole, stars)} tax {Cosine(whole, tax)}");
        Assert.True(Cosine(whole, baking) > Cosine(whole, tax) + 0.1f, $"baking {Cosine(whole, baking)} tax {Cosine(whole, tax)}");
    }

    [Fact]
    public void Windows_fit_the_model_and_give_back_the_text()
    {
        var text = string.Concat(Enumerable.Range(0, 400).Select(i => $"Sentence number {i} talks about tokenization. "));

        var windows = WordPieceWindows.Shared.Split(text);

        Assert.Equal(text, string.Concat(windows.Select(w => w.Text)));
        Assert.All(windows, w => Assert.InRange(w.Pieces, 1, WordPieceWindows.Budget));
        Assert.All(windows.SkipLast(1), w => Assert.EndsWith(". ", w.Text));
    }

    [Fact]
    public async Task Concurrent_calls_give_the_same_vectors_as_one_at_a_time()
    {
        string[] texts = ["alpha beta", "gamma delta epsilon", "a longer sentence about retrieval quality", "zeta"];
        var alone = await _generator.GenerateAsync(texts);

        var together = await Task.WhenAll(texts.Select(t => _generator.GenerateAsync([t])));

        for (var i = 0; i < texts.Length; i++)
            Assert.Equal(1f, TensorPrimitives.Dot(alone[i].Vector.Span, together[i][0].Vector.Span), 4);
    }

    [Fact]
    public async Task Timing_of_three_sentences_and_of_64_chunks_of_800_tokens()
    {
        var watch = Stopwatch.StartNew();
        await _generator.GenerateAsync(["warm up"]);
        output.WriteLine($"first call (model load): {watch.ElapsedMilliseconds} ms");

        watch.Restart();
        await _generator.GenerateAsync(["The cat sat on the mat.", "Dogs are loyal animals.", "Markets fell sharply today."]);
        output.WriteLine($"3 sentences: {watch.ElapsedMilliseconds} ms");

        var sentences = new[]
        {
            "The quarterly report shows revenue growth in every region except the north. ",
            "Engineers replaced the cooling pump after the pressure sensor raised an alarm. ",
            "Customers can return unopened items within thirty days for a full refund. ",
            "The committee will review the proposal at its meeting next Tuesday. ",
        };
        var chunks = Enumerable.Range(0, 64).Select(i =>
        {
            var text = new System.Text.StringBuilder();
            for (var j = i; Chunker.Shared.CountTokens(text.ToString()) < 800; j++) text.Append(sentences[j % sentences.Length]);
            return text.ToString();
        }).ToList();
        watch.Restart();
        var embeddings = await _generator.GenerateAsync(chunks);
        output.WriteLine($"64 chunks of about 800 tokens: {watch.ElapsedMilliseconds} ms");
        Assert.Equal(64, embeddings.Count);
    }
}
