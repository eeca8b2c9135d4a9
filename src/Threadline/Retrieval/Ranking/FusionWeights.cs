namespace Threadline.Retrieval;

/// <summary>How much each ranking counts in <see cref="RankFusion.Fuse"/>; only the ratio matters.</summary>
internal sealed record FusionWeights(double Vector, double Keyword)
{
    /// <summary>Leaning to the vector side; why, and what the test corpus measured: see <see cref="RankFusion"/>.</summary>
    public static readonly FusionWeights Default = new(0.85, 0.15);

    public static readonly FusionWeights VectorOnly = new(1, 0);

    public static readonly FusionWeights KeywordOnly = new(0, 1);
}
