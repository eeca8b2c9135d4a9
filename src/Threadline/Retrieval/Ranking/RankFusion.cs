namespace Threadline.Retrieval;

/// <summary>
/// One ranking from a vector ranking (cosine) and a keyword ranking (BM25, higher better), each best first.
/// </summary>
/// <remarks>
/// Weighted sum at 0.85 vector / 0.15 keyword (<see cref="FusionWeights.Default"/>) of the cosine and of
/// the keyword score as a share of the best one (<see cref="Fuse"/>); min-max and reciprocal rank are
/// kept for comparison. Measured through the server's own search (SearchQualityTests: files uploaded,
/// indexed by the FileIndexer with the built-in embedder, ChunkSearch), 30 questions per corpus, one
/// question = 0.033:
/// <list type="bullet">
/// <item>Easy corpus (Retrieval/Corpus, 30 distinct topics): vector alone recall@1 1.000, recall@5 1.000;
/// keyword alone 0.933, 1.000 (MRR 0.967); every weight from 0.5 to 0.95 on the vector side 1.000, 1.000,
/// MRR 1.000. It cannot tell weights apart.</item>
/// <item>Hard corpus (Retrieval/HardCorpus, three clusters of ten near-neighbour documents; 16 paraphrased,
/// 11 exact-term, 3 direct questions), recall@1 / recall@5 / MRR: vector alone 0.800 / 1.000 / 0.889;
/// keyword alone 0.600 / 0.833 / 0.699; with this scaling, vector weight 0.5: 0.733 / 0.933 / 0.822,
/// 0.6: 0.733 / 0.933 / 0.828, 0.65: 0.800 / 0.933 / 0.861, 0.7 (the former default): 0.867 / 0.933 / 0.895,
/// 0.75: 0.867 / 0.933 / 0.895, 0.8: 0.867 / 1.000 / 0.913, 0.85: 0.933 / 1.000 / 0.957,
/// 0.9: 0.867 / 1.000 / 0.928, 0.95: 0.833 / 1.000 / 0.911. Up to 0.75 the keyword share pulls a sibling
/// of the right document above it for two paraphrased questions (13, 26) and hybrid falls below vector
/// alone at recall@5; from 0.8 to 0.95 hybrid is at least as good as either part at @1 and @5. 0.85 sits
/// inside that band and is its best there, so it is tuned on this one corpus, not a general finding.</item>
/// <item>Other scalings on the hard corpus: reciprocal rank (k = 60) on both sides stays below vector alone
/// at recall@5 up to 0.9 (0.933-0.967) and below it at recall@1 from 0.95; cosine with a reciprocal-rank
/// keyword side likewise (0.933 up to 0.85). Min-max on both sides passes from 0.6 to 0.95 (at 0.7:
/// 0.900 / 1.000 / 0.942), but it gives the best of two unrelated chunks 1 and so breaks
/// <c>score_threshold</c>; the cosine is kept.</item>
/// </list>
/// </remarks>
internal static class RankFusion
{
    public static IReadOnlyList<(long Id, double Score)> Fuse(
        IReadOnlyList<(long Id, double Score)> vector, IReadOnlyList<(long Id, double Score)> keyword, FusionWeights weights) =>
        Combine(vector, keyword, weights, Cosines, ShareOfBest);

    /// <summary>
    /// Cosines as they are (clamped to [0,1]): a score means the same from one query to the next, so that
    /// <c>score_threshold</c> can be set once. Min-max would give the best of two unrelated chunks 1 and the other 0.
    /// </summary>
    private static IReadOnlyList<(long Id, double Score)> Cosines(IReadOnlyList<(long Id, double Score)> list) =>
        list.Select(c => (c.Id, Math.Clamp(c.Score, 0, 1))).ToList();

    /// <summary>BM25 has no upper bound: each keyword score as a share of the best one.</summary>
    private static IReadOnlyList<(long Id, double Score)> ShareOfBest(IReadOnlyList<(long Id, double Score)> list)
    {
        var best = list.Count == 0 ? 0 : list.Max(c => c.Score);
        return list.Select(c => (c.Id, best > 0 ? Math.Max(0, c.Score) / best : 0)).ToList();
    }

    /// <summary>
    /// Each ranking's scores scaled to [0,1] over its own candidates (best 1, worst 0; a lone candidate 1),
    /// a candidate missing from a ranking scoring 0 there, then the weighted mean.
    /// </summary>
    public static IReadOnlyList<(long Id, double Score)> WeightedMinMax(
        IReadOnlyList<(long Id, double Score)> vector, IReadOnlyList<(long Id, double Score)> keyword, FusionWeights weights) =>
        Combine(vector, keyword, weights, MinMax, MinMax);

    /// <summary>
    /// Weighted reciprocal rank fusion (k = 60), scaled so a candidate first in both rankings scores 1.
    /// </summary>
    public static IReadOnlyList<(long Id, double Score)> WeightedReciprocalRank(
        IReadOnlyList<(long Id, double Score)> vector, IReadOnlyList<(long Id, double Score)> keyword, FusionWeights weights) =>
        Combine(vector, keyword, weights, ReciprocalRank, ReciprocalRank);

    private static IReadOnlyList<(long Id, double Score)> ReciprocalRank(IReadOnlyList<(long Id, double Score)> list) =>
        list.Select((c, rank) => (c.Id, 61.0 / (60 + rank + 1))).ToList();

    private static IReadOnlyList<(long Id, double Score)> Combine(
        IReadOnlyList<(long Id, double Score)> vector, IReadOnlyList<(long Id, double Score)> keyword, FusionWeights weights,
        Func<IReadOnlyList<(long Id, double Score)>, IReadOnlyList<(long Id, double Score)>> scaleVector,
        Func<IReadOnlyList<(long Id, double Score)>, IReadOnlyList<(long Id, double Score)>> scaleKeyword)
    {
        var total = weights.Vector + weights.Keyword;
        if (weights.Vector < 0 || weights.Keyword < 0 || total <= 0)
            throw new ArgumentException("Fusion weights must be non-negative and not both zero.", nameof(weights));

        var fused = new Dictionary<long, double>();
        Accumulate(fused, weights.Vector > 0 ? scaleVector(vector) : [], weights.Vector / total);
        Accumulate(fused, weights.Keyword > 0 ? scaleKeyword(keyword) : [], weights.Keyword / total);
        // Ties go to the lower id, so the order is stable from one run to the next.
        return fused.Select(p => (p.Key, Math.Clamp(p.Value, 0, 1))).OrderByDescending(p => p.Item2).ThenBy(p => p.Key).ToList();
    }

    private static void Accumulate(Dictionary<long, double> fused, IReadOnlyList<(long Id, double Score)> scaled, double weight)
    {
        foreach (var (id, score) in scaled)
            fused[id] = fused.GetValueOrDefault(id) + weight * score;
    }

    private static IReadOnlyList<(long Id, double Score)> MinMax(IReadOnlyList<(long Id, double Score)> list)
    {
        if (list.Count == 0) return [];
        var max = list.Max(c => c.Score);
        var min = list.Min(c => c.Score);
        var range = max - min;
        return list.Select(c => (c.Id, range > 0 ? (c.Score - min) / range : 1.0)).ToList();
    }
}
