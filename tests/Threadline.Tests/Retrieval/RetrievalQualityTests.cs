using Threadline.Retrieval;
using Xunit;
using Xunit.Abstractions;

namespace Threadline.Tests.Retrieval;

/// <summary>
/// Recall on the corpus for vector, keyword and hybrid search. The issue: on paraphrased questions an
/// equal-weight fusion can rank worse than vector similarity alone; hybrid must never be worse than
/// either part here.
/// </summary>
public sealed class RetrievalQualityTests(ITestOutputHelper output)
{
    private delegate IReadOnlyList<(long Id, double Score)> Fusion(
        IReadOnlyList<(long Id, double Score)> vector, IReadOnlyList<(long Id, double Score)> keyword, FusionWeights weights);

    private static Func<string, int, Task<IReadOnlyList<string>>> Hybrid(CorpusSearch search, Fusion fuse, FusionWeights weights) =>
        async (question, _) => search.Documents(fuse(await search.VectorAsync(question), search.Keyword(question), weights));

    [Fact]
    public async Task Hybrid_recall_is_never_below_vector_or_keyword_recall()
    {
        var corpus = RetrievalCorpus.Load();
        Assert.Equal(30, corpus.Documents.Count);
        Assert.Equal(30, corpus.Questions.Count);
        using var search = await CorpusSearch.BuildAsync(corpus);

        Func<string, int, Task<IReadOnlyList<string>>> vector = async (q, _) => search.Documents(await search.VectorAsync(q));
        Func<string, int, Task<IReadOnlyList<string>>> keyword = (q, _) => Task.FromResult(search.Documents(search.Keyword(q)));
        var hybrid = Hybrid(search, RankFusion.Fuse, FusionWeights.Default);

        var (vector1, vector5) = (await corpus.RecallAsync(vector, 1), await corpus.RecallAsync(vector, 5));
        var (keyword1, keyword5) = (await corpus.RecallAsync(keyword, 1), await corpus.RecallAsync(keyword, 5));
        var (hybrid1, hybrid5) = (await corpus.RecallAsync(hybrid, 1), await corpus.RecallAsync(hybrid, 5));
        output.WriteLine($"recall@1 / @5: vector {vector1:F3} / {vector5:F3}, keyword {keyword1:F3} / {keyword5:F3}, hybrid {FusionWeights.Default} {hybrid1:F3} / {hybrid5:F3}");
        output.WriteLine($"MRR: vector {await corpus.MeanReciprocalRankAsync(vector):F3}, keyword {await corpus.MeanReciprocalRankAsync(keyword):F3}, hybrid {await corpus.MeanReciprocalRankAsync(hybrid):F3}");
        await PrintSweepAsync(corpus, search);

        Assert.True(vector5 >= 0.8, $"vector recall@5 {vector5}");
        Assert.True(hybrid5 >= Math.Max(vector5, keyword5), $"hybrid recall@5 {hybrid5}, vector {vector5}, keyword {keyword5}");
        Assert.True(hybrid1 >= Math.Max(vector1, keyword1), $"hybrid recall@1 {hybrid1}, vector {vector1}, keyword {keyword1}");
    }

    // The figures RankFusion's choice rests on, printed so a change to the corpus or the model shows them again.
    private async Task PrintSweepAsync(RetrievalCorpus corpus, CorpusSearch search)
    {
        foreach (var (name, fuse) in new (string, Fusion)[] { ("min-max", RankFusion.WeightedMinMax), ("rrf", RankFusion.WeightedReciprocalRank) })
            foreach (var v in new[] { 0.3, 0.5, 0.6, 0.7, 0.8, 0.9 })
            {
                var method = Hybrid(search, fuse, new FusionWeights(v, 1 - v));
                output.WriteLine($"{name} {v:F1}/{1 - v:F1}: recall@1 {await corpus.RecallAsync(method, 1):F3}, recall@5 {await corpus.RecallAsync(method, 5):F3}, MRR {await corpus.MeanReciprocalRankAsync(method):F3}");
            }
    }
}
