namespace Threadline.Retrieval;

/// <summary>
/// One ranking from a vector ranking (cosine) and a keyword ranking (BM25, higher better), each best first.
/// </summary>
/// <remarks>
/// Weighted sum at 0.7 vector / 0.3 keyword (<see cref="FusionWeights.Default"/>) of the cosine and of
/// the keyword score as a share of the best one (<see cref="Fuse"/>); min-max and reciprocal rank are
/// kept for the quality test's comparison. Measured on the
/// test corpus (RetrievalQualityTests, 30 documents, 30 questions, about half paraphrased): vector alone
/// recall@1 1.000, recall@5 1.000; keyword alone 0.933, 1.000 (MRR 0.967); every fusion tried (min-max
/// and reciprocal rank, vector weight 0.3 to 0.9) 1.000, 1.000, MRR 1.000. So the corpus shows hybrid no
/// worse than either part but cannot tell the weights apart: with one chunk per document on distinct
/// topics, the vector side alone is already perfect. The lean to the vector side is therefore not
/// measured here; it follows the report that an equal-weight fusion loses to vector similarity
/// on paraphrased questions, while keyword matches still break near-ties (names, codes, exact terms).
/// Re-measure with a harder corpus before tuning.
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
