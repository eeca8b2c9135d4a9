using Threadline.Retrieval;
using Xunit;

namespace Threadline.Tests.Retrieval;

public sealed class RankFusionTests
{
    private static readonly (long Id, double Score)[] Vector = [(1, 0.9), (2, 0.7), (3, 0.5)];
    private static readonly (long Id, double Score)[] Keyword = [(3, 12.0), (4, 6.0), (1, 2.0)];

    [Fact]
    public void One_sided_weights_keep_that_ranking_order()
    {
        Assert.Equal([1L, 2L, 3L], RankFusion.Fuse(Vector, Keyword, FusionWeights.VectorOnly).Take(3).Select(c => c.Id));
        Assert.Equal([3L, 4L, 1L], RankFusion.Fuse(Vector, Keyword, FusionWeights.KeywordOnly).Take(3).Select(c => c.Id));
    }

    [Fact]
    public void Scores_are_in_0_1_best_first_and_cover_both_rankings()
    {
        var fused = RankFusion.Fuse(Vector, Keyword, FusionWeights.Default);

        Assert.Equal([1L, 2L, 3L, 4L], fused.Select(c => c.Id).Order());
        Assert.All(fused, c => Assert.InRange(c.Score, 0, 1));
        Assert.Equal(fused.OrderByDescending(c => c.Score).Select(c => c.Id), fused.Select(c => c.Id));
    }

    [Fact]
    public void A_score_is_the_weighted_cosine_and_share_of_the_best_keyword_score()
    {
        // Not min-max: a weak match keeps its low cosine, so score_threshold means the same on every query.
        var fused = RankFusion.Fuse([(5, 0.8), (6, 0.2)], [(5, 3.0), (6, 1.0)], new FusionWeights(1, 1));

        Assert.Equal(5L, fused[0].Id);
        Assert.Equal(0.5 * 0.8 + 0.5 * 1.0, fused[0].Score, 6);
        Assert.Equal(0.5 * 0.2 + 0.5 * (1.0 / 3.0), fused[1].Score, 6);
        Assert.Empty(RankFusion.Fuse([], [], FusionWeights.Default));
        Assert.Throws<ArgumentException>(() => RankFusion.Fuse(Vector, Keyword, new FusionWeights(0, 0)));
    }
}
