namespace Threadline.Retrieval;

/// <summary>The <c>Threadline:Retrieval</c> section.</summary>
internal sealed class RetrievalOptions
{
    public const string Section = "Threadline:Retrieval";

    /// <summary>Memory for the vectors of stores searched lately, in MiB (100,000 chunks take about 150). Default 1024.</summary>
    public int VectorCacheMiB { get; set; } = 1024;

    /// <summary>Candidates each part (keyword, vector) brings to the fusion, per query. Default 100.</summary>
    public int Candidates { get; set; } = 100;

    public string? Problem() =>
        VectorCacheMiB is < 1 or > 1 << 20 ? "Threadline:Retrieval:VectorCacheMiB must be from 1 to 1048576."
        : Candidates is < 10 or > 10_000 ? "Threadline:Retrieval:Candidates must be from 10 to 10000."
        : null;
}
